// Schedules (admin): list, create a scheduled question, run now, history and reports.
import { api } from "../api.js";
import { h, mount, errorBox, when, recordTable } from "../ui.js";
import { renderChart } from "../chart.js";

export async function render(main, { me }) {
  const schedules = await api("/v1/schedules");
  const detail = h("div.results");
  const name = (s) => h("button.link", { type: "button", onclick: () => showHistory(detail, s) }, s.name);
  const runNow = (s) => h("button.small", { type: "button", onclick: async () => { await api(`/v1/schedules/${s.id}/run`, { method: "POST" }); showHistory(detail, s); } }, "Run now");
  mount(main, h("h1", {}, "Schedules"),
    schedules.length ? recordTable([["Name", name], ["Task", (s) => s.task], ["Cron", (s) => `${s.cron} (${s.timezone})`],
      ["Enabled", (s) => (s.enabled ? "yes" : "no")], ["Next run", (s) => when(s.next_run_at)], ["", runNow]], schedules, "Schedules")
      : h("p.muted", {}, "No schedules yet."),
    detail, createForm(me));
}

async function showHistory(out, s) {
  mount(out, h("p.muted", {}, "Loading…"));
  try {
    const [runs, reports] = await Promise.all([api(`/v1/schedules/${s.id}/runs?limit=20`), api(`/v1/schedules/${s.id}/reports?limit=10`)]);
    mount(out, h("h2", {}, `${s.name}: history`),
      runs.length ? recordTable([["Scheduled for", (r) => when(r.scheduled_for)], ["Trigger", (r) => r.trigger], ["Status", (r) => r.status], ["Error", (r) => r.error || ""]], runs, "Run history") : h("p.muted", {}, "Not run yet."),
      h("h2", {}, "Reports"), reports.length ? reports.map(report) : h("p.muted", {}, "No reports yet."));
  } catch (err) {
    mount(out, errorBox(err));
  }
}

function report(r) {
  const box = h("article.card", {}, h("h3", {}, r.title), h("p.answer-text", {}, r.body), h("p.meta", {}, `${when(r.created_at)}${r.delivered_to ? ` · sent to ${r.delivered_to}` : ""}`));
  if (r.data?.chart) {
    const target = h("div.chart", { role: "img", "aria-label": "Chart of the report" });
    box.append(target);
    renderChart(target, r.data.chart).catch((err) => target.replaceWith(errorBox(err)));
  }
  return box;
}

function createForm(me) {
  const field = (id, label, attrs = {}) => [h("label", { for: id }, label), h("input", { id, ...attrs })];
  const status = h("p", { role: "status" });
  const preview = h("div.fires", { id: "s-fires", "aria-live": "polite" });
  const form = h("form.create", {}, h("h2", {}, "New scheduled question"),
    field("s-name", "Name (letters, digits, - _ . :)", { required: true, placeholder: "weekly-revenue" }),
    field("s-cron", "Cron: minute hour day month weekday", { required: true, value: "0 8 * * 1" }),
    field("s-tz", "Time zone (IANA)", { required: true, value: "UTC" }),
    preview,
    field("s-question", "Question", { required: true }),
    field("s-channel", "Slack channel (optional)", { placeholder: "C0123456" }),
    h("button", { type: "submit" }, "Create"), status);
  watchCron(form.querySelector("#s-cron"), form.querySelector("#s-tz"), preview);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    const body = { name: v("s-name"), cron: v("s-cron"), timezone: v("s-tz"), task: "ask",
      payload: { question: v("s-question"), user_id: me.user_id, ...(v("s-channel") ? { channel: v("s-channel") } : {}) } };
    try {
      const made = await api("/v1/schedules", { method: "POST", body });
      status.className = "ok";
      status.textContent = `Created; next run ${when(made.next_run_at)}.`;
      setTimeout(() => window.dispatchEvent(new HashChangeEvent("hashchange")), 800);
    } catch (err) {
      status.className = "error";
      status.textContent = err.message;
    }
  });
  return form;
}

/** The next firing times (or the error a create would give) while the person types, debounced. */
function watchCron(cron, tz, out) {
  let timer = null;
  let latest = 0;
  const check = async () => {
    const asked = ++latest;
    const params = new URLSearchParams({ cron: cron.value, timezone: tz.value.trim() || "UTC" });
    try {
      const p = await api(`/v1/schedules/preview?${params}`);
      if (asked !== latest) return; // a newer edit already asked
      cron.removeAttribute("aria-invalid");
      const format = new Intl.DateTimeFormat(undefined, { timeZone: p.timezone, weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      mount(out, h("p.meta", {}, `Next firings (${p.timezone}):`), h("ol.fires", {}, p.next.map((t) => h("li", {}, format.format(new Date(t))))));
    } catch (err) {
      if (asked !== latest) return;
      cron.setAttribute("aria-invalid", "true");
      mount(out, errorBox(err));
    }
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(check, 300); };
  cron.addEventListener("input", later);
  tz.addEventListener("input", later);
  check();
}
