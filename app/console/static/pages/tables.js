// Knowledge › tables and views: each one's description, drafted profile, keys, joins and columns.
import { api } from "../api.js";
import { h, mount, when, errorBox, recordTable } from "../ui.js";

const SOURCE = { curated: "table file", engineer: "built by the Engineer", profiled: "profile only (no file yet)" };
const href = (name) => `#/knowledge/tables/${encodeURIComponent(name)}`;

/** The browsable list with a filter box; loads on its own so the rest of the page does not wait. */
export function tableList() {
  const out = h("div.results", {}, h("p.muted", {}, "Loading…"));
  const filter = h("input", { id: "tfilter", type: "search", placeholder: "name, kind or words of the description" });
  api("/v1/knowledge/tables").then((tables) => {
    const show = () => {
      const words = filter.value.toLowerCase().trim().split(/\s+/);
      const shown = tables.filter((t) => words.every((w) => `${t.name} ${t.kind} ${SOURCE[t.source]} ${t.description}`.toLowerCase().includes(w)));
      mount(out, shown.length ? listTable(shown) : h("p.muted", {}, tables.length ? "No table or view matches." : "None yet: draft or load the knowledge files."));
    };
    filter.addEventListener("input", show);
    show();
  }, (err) => mount(out, errorBox(err)));
  return h("section.tables", {}, h("h2", {}, "Tables and views"), h("label", { for: "tfilter" }, "Filter"), filter, out);
}

function listTable(tables) {
  return recordTable([["Name", (t) => h("a", { href: href(t.name) }, t.name)], ["Kind", (t) => t.kind], ["From", (t) => SOURCE[t.source]],
    ["Description", (t) => (t.described ? t.description : h("span.muted", {}, t.description))], ["Rows", rows], ["Columns", (t) => t.column_count],
    ["Measured", (t) => when(t.measured_at)]], tables, "Tables and views");
}

function rows(t) {
  return t.rows == null ? "" : `${t.rows_estimated ? "≈ " : ""}${t.rows.toLocaleString()}`;
}

export async function tableDetail(main, name) {
  const t = await api(`/v1/knowledge/tables/${encodeURIComponent(name)}`);
  const measured = t.measured_at ? `${when(t.measured_at)}${t.sampled ? ` (from a sample of ${t.sample_rows.toLocaleString()} rows)` : ""}` : "never profiled";
  mount(main, h("p.crumbs", {}, h("a", { href: "#/knowledge" }, "Knowledge"), " / tables and views /"), h("h1", {}, t.name),
    h(t.described ? "p" : "p.muted", {}, t.description),
    h("dl.facts", {}, fact("Kind", t.kind), fact("From", SOURCE[t.source]), fact("Rows", rows(t) || "—"), fact("Measured", measured),
      fact("Primary key", t.primary_key.join(", ") || "—"), fact("Joins", t.joins.length ? h("ul.joins", {}, t.joins.map(join)) : "—")),
    h("h2", {}, "Columns"), h("div.profile", {}, recordTable(COLUMNS, t.columns, `Columns of ${t.name}`)));
}

function fact(name, value) {
  return [h("dt", {}, name), h("dd", {}, value)];
}

function join(j) {
  return h("li", {}, `${j.columns.join(", ")} → `, h("a", { href: href(j.references) }, j.references), `.${j.ref_columns.join(", ")}`,
    j.inferred ? h("span.muted", {}, " (inferred from the name)") : null);
}

const COLUMNS = [
  ["Column", (c) => c.name], ["Type", (c) => c.type ?? "—"],
  ["Nulls", (c) => (c.null_share == null ? "" : `${(c.null_share * 100).toFixed(c.null_share && c.null_share < 0.01 ? 2 : 0)} %`)],
  ["Distinct", (c) => c.distinct ?? ""], ["Range", (c) => (c.min == null && c.max == null ? "" : `${c.min} … ${c.max}`)],
  ["Values", (c) => (c.personal ? h("span.muted", {}, "withheld: personal data") : (c.values || []).join(", "))],
];
