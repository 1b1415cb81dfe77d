// Knowledge: search what the agents retrieve (kinds, scores), browse the tables and views with their
// profiles; validate (analyst) and reload (admin).
import { api } from "../api.js";
import { h, mount, errorBox, recordTable } from "../ui.js";
import { tableList, tableDetail } from "./tables.js";

const KINDS = ["table", "query", "business", "view", "doc", "learning"];

export async function render(main, { me, args }) {
  if (args[0] === "tables" && args[1]) return tableDetail(main, args[1]);
  const q = h("input", { id: "kq", type: "search", required: true, placeholder: "e.g. monthly recurring revenue" });
  const boxes = KINDS.map((k) => h("label.check", {}, h("input", { type: "checkbox", value: k }), k));
  const results = h("div.results");
  const form = h("form.search", {}, h("label", { for: "kq" }, "Search knowledge"), h("div.row", {}, q, h("button", { type: "submit" }, "Search")),
    h("fieldset.kinds", {}, h("legend", {}, "Only these kinds (none: all)"), boxes));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const params = new URLSearchParams({ q: q.value, limit: "20" });
    for (const box of boxes) if (box.firstChild.checked) params.append("kind", box.firstChild.value);
    try {
      const hits = await api(`/v1/knowledge/search?${params}`);
      mount(results, hits.length ? hitsTable(hits) : h("p.muted", {}, "Nothing found."));
    } catch (err) {
      mount(results, errorBox(err));
    }
  });
  mount(main, h("h1", {}, "Knowledge"), form, results, tableList(), maintenance(me));
  q.focus();
}

function hitsTable(hits) {
  return recordTable([["Kind", (x) => x.kind], ["Name", (x) => x.name], ["Score", (x) => x.score.toFixed(3)], ["Snippet", (x) => x.snippet]], hits, "Search results");
}

function maintenance(me) {
  const out = h("div.results");
  const validate = h("button.secondary", { type: "button" }, "Validate the files");
  validate.addEventListener("click", () => act(out, "/v1/knowledge/validate", (r) =>
    r.valid ? h("p.ok", {}, "Every knowledge file is valid.") : problems(r.problems)));
  const reload = me.role === "admin" ? h("button.secondary", { type: "button" }, "Reload into the database") : null;
  reload?.addEventListener("click", () => act(out, "/v1/knowledge/reload", (r) =>
    h("p.ok", {}, `Loaded: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.removed} removed, ${r.reembedded} re-embedded.`)));
  return h("section", {}, h("h2", {}, "Files"), h("div.row", {}, validate, reload), out);
}

async function act(out, path, view) {
  mount(out, h("p.muted", {}, "Working…"));
  try {
    mount(out, view(await api(path, { method: "POST" })));
  } catch (err) {
    mount(out, errorBox(err), err.detail?.problems ? problems(err.detail.problems) : null);
  }
}

function problems(list) {
  return recordTable([["File", (p) => p.file], ["Line", (p) => p.line], ["Field", (p) => p.field], ["Problem", (p) => p.message]], list, "Problems in the knowledge files");
}
