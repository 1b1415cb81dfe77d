// Audit (admin): every SQL statement an agent submitted, allowed or refused, with filters.
import { api } from "../api.js";
import { h, mount, errorBox, when, recordTable } from "../ui.js";

export async function render(main) {
  const user = h("input", { id: "a-user", placeholder: "any user" });
  const agent = h("select", { id: "a-agent" }, ["", "analyst", "engineer"].map((a) => h("option", { value: a }, a || "any agent")));
  const decision = h("select", { id: "a-decision" }, ["", "allowed", "refused"].map((d) => h("option", { value: d }, d || "any decision")));
  const out = h("div.results");
  const form = h("form.filters", {}, h("label", { for: "a-user" }, "User"), user, h("label", { for: "a-agent" }, "Agent"), agent,
    h("label", { for: "a-decision" }, "Decision"), decision, h("button", { type: "submit" }, "Filter"));
  const load = async () => {
    const params = new URLSearchParams({ limit: "100" });
    if (user.value.trim()) params.set("user", user.value.trim());
    if (agent.value) params.set("agent", agent.value);
    if (decision.value) params.set("decision", decision.value);
    try {
      const page = await api(`/v1/audit?${params}`);
      mount(out, page.items.length ? recordTable([["When", (r) => when(r.created_at)], ["User", (r) => r.user_id || ""], ["Agent", (r) => r.agent],
        ["Decision", (r) => r.decision], ["Rows", (r) => r.row_count ?? ""], ["ms", (r) => (r.duration_ms == null ? "" : Math.round(r.duration_ms))],
        ["SQL", (r) => h("code", {}, r.sql)], ["Reason or error", (r) => r.reason || r.error || ""]], page.items, "Audited statements") : h("p.muted", {}, "No statements match."));
    } catch (err) {
      mount(out, errorBox(err));
    }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  mount(main, h("h1", {}, "Audit"), form, out);
  await load();
}
