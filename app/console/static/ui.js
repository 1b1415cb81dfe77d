// Small DOM helpers. Text always goes in as text (never as HTML): answers and data are untrusted.

/** h("tag.class", {attr: value, onclick: fn}, ...children) → an element. */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function mount(parent, ...children) {
  parent.replaceChildren(...children.flat().filter(Boolean));
  return parent;
}

export function errorBox(err) {
  return h("p.error", { role: "alert" }, err?.message || String(err));
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

export function cell(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A copy-to-clipboard button for `text` (falls back to selecting it when the clipboard is denied). */
export function copyButton(text, label = "Copy") {
  const button = h("button.small", { type: "button", "aria-label": `${label} to clipboard` }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
    setTimeout(() => (button.textContent = label), 1500);
  });
  return button;
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function csvValue(value) {
  const text = cell(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns, rows) {
  return [columns, ...rows].map((row) => row.map(csvValue).join(",")).join("\r\n") + "\r\n";
}

/** A sortable table (click or Enter on a header) with a CSV download of all its rows. */
export function dataTable(columns, rows, { filename = "result.csv", caption } = {}) {
  let order = { index: -1, dir: 1 };
  const body = h("tbody");
  const heads = columns.map((name, index) =>
    h("th", { scope: "col", tabindex: "0", "aria-sort": "none", onclick: () => sortBy(index),
      onkeydown: (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), sortBy(index)) }, name));
  function render() {
    const sorted = order.index < 0 ? rows : [...rows].sort((a, b) => order.dir * compare(a[order.index], b[order.index]));
    body.replaceChildren(...sorted.map((row) => h("tr", {}, row.map((v) => h(typeof v === "number" ? "td.num" : "td", {}, cell(v))))));
    heads.forEach((th, i) => th.setAttribute("aria-sort", i !== order.index ? "none" : order.dir > 0 ? "ascending" : "descending"));
  }
  function sortBy(index) {
    order = { index, dir: order.index === index ? -order.dir : 1 };
    render();
  }
  render();
  const download = h("button.small", { type: "button" }, "Download CSV");
  download.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([toCsv(columns, rows)], { type: "text/csv" }));
    const link = h("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  const table = h("table.data", {}, caption ? h("caption", {}, caption) : null, h("thead", {}, h("tr", {}, heads)), body);
  return h("div.table-block", {}, h("div.tools", {}, `${rows.length} row${rows.length === 1 ? "" : "s"}`, download), h("div.scroll", { tabindex: "0", role: "region", "aria-label": "Result table" }, table));
}

/** A simple list table for records: columns as [title, record => value]. */
export function recordTable(columns, records, label) {
  return h("div.scroll", { tabindex: "0", role: "region", "aria-label": label },
    h("table.data", {}, h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, records.map((r) => h("tr", {}, columns.map(([, get]) => { const v = get(r); return h("td", {}, v instanceof Node ? v : cell(v)); }))))));
}
