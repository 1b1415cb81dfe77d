// Charts: vega, vega-lite and vega-embed are committed files, loaded only when a chart is shown.

let loading = null;

function script(src) {
  return new Promise((resolve, reject) => {
    const el = document.createElement("script");
    el.src = src;
    el.onload = resolve;
    el.onerror = () => reject(new Error(`Could not load ${src}`));
    document.head.append(el);
  });
}

/** The vega-embed function, loading the three libraries (in order) on first use. */
function vegaEmbed() {
  loading ??= (async () => {
    await script("/console/vendor/vega.min.js");
    await script("/console/vendor/vega-lite.min.js");
    await script("/console/vendor/vega-embed.min.js");
    return window.vegaEmbed;
  })();
  return loading;
}

/** Draw the Vega-Lite `spec` into `target` as SVG, as wide as its container. */
export async function renderChart(target, spec) {
  const embed = await vegaEmbed();
  const width = Math.max(240, Math.min(target.clientWidth || 560, 900) - 80);
  await embed(target, { ...spec, width }, { renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false } });
}
