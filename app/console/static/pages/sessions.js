// Sessions: the caller's sessions, a session's runs, and a run's trace on a timeline.
import { api } from "../api.js";
import { h, mount, when, recordTable, copyButton, errorBox } from "../ui.js";

export async function render(main, { args }) {
  const [sessionId, runId] = args;
  if (sessionId && runId) return trace(main, sessionId, runId);
  if (sessionId) return session(main, sessionId);
  const list = h("div.results");
  mount(main, h("h1", {}, "Sessions"), list);
  await sessionPages(list, [], null);
}

const PAGE = 25;
const link = (s) => h("a", { href: `#/sessions/${encodeURIComponent(s.id)}` }, s.title || s.id);

/** The sessions shown so far plus the next page; "Show more" while the API has a next_cursor. */
async function sessionPages(out, shown, cursor) {
  const page = await api(`/v1/sessions?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
  const items = [...shown, ...page.items];
  const more = page.next_cursor && h("button.secondary", { type: "button" }, "Show more");
  more?.addEventListener("click", () => {
    more.disabled = true;
    sessionPages(out, items, page.next_cursor).catch((err) => out.append(errorBox(err)));
  });
  mount(out, items.length ? recordTable([["Title", link], ["Last active", (s) => when(s.updated_at)], ["Started", (s) => when(s.created_at)]], items, "Your sessions")
    : h("p.muted", {}, "No sessions yet: ask a question first."), h("p.meta", {}, `${items.length} shown`), more);
  if (shown.length) more?.focus({ preventScroll: true }); // keyboard users stay where they were
}

async function session(main, id) {
  const s = await api(`/v1/sessions/${encodeURIComponent(id)}`);
  const runLink = (r) => h("a", { href: `#/sessions/${encodeURIComponent(s.id)}/${encodeURIComponent(r.id)}` }, r.question);
  const remove = h("button.secondary", { type: "button" }, "Delete session");
  remove.addEventListener("click", async () => {
    if (!confirm("Delete this session with its runs and their traces?")) return;
    await api(`/v1/sessions/${encodeURIComponent(s.id)}`, { method: "DELETE" });
    location.hash = "#/sessions";
  });
  mount(main, h("p.crumbs", {}, h("a", { href: "#/sessions" }, "Sessions"), " / "), h("h1", {}, s.title || s.id),
    h("div.row", {}, h("a.button", { href: `#/ask/${encodeURIComponent(s.id)}` }, "Continue in Ask"), remove),
    recordTable([["Question", runLink], ["Status", (r) => r.status], ["Tokens", (r) => r.usage?.total_tokens ?? ""],
      ["Latency", (r) => (r.latency_ms == null ? "" : `${r.latency_ms} ms`)], ["Started", (r) => when(r.created_at)]], s.runs, "Runs of this session"));
}

async function trace(main, sessionId, runId) {
  const s = await api(`/v1/sessions/${encodeURIComponent(sessionId)}`);
  const run = s.runs.find((r) => r.id === runId);
  if (!run) throw new Error(`Run ${runId} is not in this session.`);
  const t0 = new Date(run.events[0]?.created_at || run.created_at).getTime();
  const items = run.events.filter((e) => e.type !== "content_delta").map((e) => step(e, t0));
  const usage = run.usage || {};
  mount(main,
    h("p.crumbs", {}, h("a", { href: "#/sessions" }, "Sessions"), " / ", h("a", { href: `#/sessions/${encodeURIComponent(sessionId)}` }, s.title || sessionId), " /"),
    h("h1", {}, "Run trace"),
    h("p.question", {}, run.question),
    h("dl.facts", {}, fact("Status", run.status), fact("Tokens", `${usage.prompt_tokens ?? 0} in · ${usage.completion_tokens ?? 0} out`),
      fact("Latency", run.latency_ms == null ? "—" : `${run.latency_ms} ms`), fact("Run", run.id)),
    h("ol.timeline", { "aria-label": "What happened, in order" }, items));
}

function fact(name, value) {
  return [h("dt", {}, name), h("dd", {}, value)];
}

const AGENT = (e) => e.payload.agent || "leader";

const STEPS = {
  run_started: () => ["start", "Run started", null],
  delegated: (e) => ["delegate", `Leader → ${e.payload.agent}`, e.payload.task],
  model_called: (e) => ["model", `${e.payload.agent}: model call`, `${e.payload.model} · ${e.payload.prompt_tokens} in · ${e.payload.completion_tokens} out · ${e.payload.latency_ms} ms`],
  tool_started: (e) => ["tool", `${AGENT(e)}: ${e.payload.tool}`, e.payload.arguments?.sql ? sqlBlock(e.payload.arguments.sql) : args(e.payload.arguments)],
  tool_finished: (e) => finished(e),
  run_completed: (e) => ["done", "Answer", e.payload.answer],
  run_failed: (e) => ["failed", "Failed", e.payload.error],
  run_cancelled: (e) => ["failed", "Cancelled", e.payload.reason],
};

function step(e, t0) {
  const [kind, title, detail] = (STEPS[e.type] || (() => ["other", e.type, JSON.stringify(e.payload)]))(e);
  const offset = ((new Date(e.created_at).getTime() - t0) / 1000).toFixed(2);
  return h(`li.step.${kind}`, {}, h("span.at", {}, `+${offset}s`), h("div", {}, h("strong", {}, title), detail ? h("div.detail", {}, detail) : null));
}

function finished(e) {
  const p = e.payload;
  const st = p.statement;
  const head = `${AGENT(e)}: ${p.tool} ${p.error ? "failed" : "returned"} · ${p.duration_ms} ms`;
  if (st) {
    const facts = [`decision: ${st.decision}`, st.rows != null ? `${st.rows} rows` : null, st.chart && st.chart !== "none" ? `chart: ${st.chart}` : null].filter(Boolean).join(" · ");
    return [st.error ? "failed" : "sql", head, [h("div", {}, facts), st.error ? h("div.error", {}, st.error) : null]];
  }
  return [p.error ? "failed" : "tool", head, p.error || p.result_preview];
}

function args(a) {
  const text = a && Object.keys(a).length ? JSON.stringify(a) : "";
  return text ? h("code", {}, text) : null;
}

function sqlBlock(sql) {
  return h("div.sql-block", {}, h("pre", {}, h("code", {}, sql)), copyButton(sql, "Copy SQL"));
}
