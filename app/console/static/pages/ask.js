// Ask: a conversation in one session, answers streamed as they are written, with SQL, table, chart.
import { askStream, api } from "../api.js";
import { h, mount, errorBox, copyButton, dataTable } from "../ui.js";
import { renderChart } from "../chart.js";

let sessionId = null; // follow-ups continue this session until "New conversation"

const PROGRESS = {
  delegated: (e) => `Asked the ${e.agent}…`,
  tool_started: (e) => `${e.agent}: ${e.tool.replace(/_/g, " ")}…`,
  model_called: (e) => `${e.agent} is thinking…`,
};

export async function render(main, { args }) {
  if (args[0]) sessionId = args[0];
  const log = h("div.log", { "aria-live": "polite" });
  const input = h("textarea", { id: "question", rows: "3", required: true, placeholder: "Ask a question about your data…", "aria-label": "Your question" });
  const askButton = h("button", { type: "submit" }, "Ask");
  const cancelButton = h("button.secondary", { type: "button", hidden: true }, "Cancel");
  const fresh = h("button.secondary", { type: "button", onclick: () => { sessionId = null; location.hash = "#/ask"; log.replaceChildren(); } }, "New conversation");
  const form = h("form.ask", {}, input, h("div.row", {}, askButton, cancelButton, fresh));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(log, question, { askButton, cancelButton }).finally(() => input.focus());
  });
  mount(main, h("h1", {}, "Ask"), log, form);
  if (sessionId) await replay(log, sessionId);
  input.focus();
}

async function replay(log, id) {
  const session = await api(`/v1/sessions/${encodeURIComponent(id)}`);
  for (const run of session.runs) {
    log.append(h("div.msg.user", {}, run.question));
    const view = answerView(log);
    const done = run.events.find((e) => e.type === "run_completed");
    if (done) view.complete({ ...done.payload, run_id: run.id, session_id: session.id });
    else view.fail(run.error || `This run is ${run.status}.`);
  }
}

async function ask(log, question, { askButton, cancelButton }) {
  log.append(h("div.msg.user", {}, question));
  const view = answerView(log);
  let runId = null;
  askButton.disabled = true;
  cancelButton.hidden = false;
  cancelButton.onclick = () => runId && api(`/v1/runs/${runId}/cancel`, { method: "POST" }).catch((err) => view.fail(err.message));
  try {
    await askStream(question, sessionId, (e) => {
      if (e.type === "run_started") {
        runId = e.run_id;
        sessionId = e.session_id;
        history.replaceState(null, "", `#/ask/${encodeURIComponent(sessionId)}`);
      } else if (e.type === "content_delta") view.delta(e.text);
      else if (e.type === "run_completed") view.complete({ ...e, session_id: sessionId });
      else if (e.type === "run_failed") view.fail(e.error);
      else if (e.type === "run_cancelled") view.fail(`Cancelled. ${e.reason || ""}`);
      else if (PROGRESS[e.type]) view.progress(PROGRESS[e.type](e));
    });
  } catch (err) {
    view.fail(err.message);
  } finally {
    askButton.disabled = false;
    cancelButton.hidden = true;
  }
}

function answerView(log) {
  const status = h("p.status.muted", {}, "Working…");
  const text = h("div.answer-text");
  const extras = h("div.extras");
  const box = h("article.msg.bot", {}, status, text, extras);
  log.append(box);
  return {
    progress: (line) => (status.textContent = line),
    delta: (piece) => { text.textContent += piece; },
    fail: (message) => { status.remove(); box.append(errorBox(message)); },
    complete: (run) => { status.remove(); text.textContent = run.answer; showExtras(extras, run); },
  };
}

function showExtras(extras, run) {
  if (run.chart) {
    const target = h("div.chart", { role: "img", "aria-label": "Chart of the result" });
    extras.append(target);
    renderChart(target, run.chart).catch((err) => target.replaceWith(errorBox(`The chart could not be drawn: ${err.message}`)));
  }
  if (run.result?.columns?.length) {
    extras.append(dataTable(run.result.columns, run.result.rows, { filename: `dash-${run.run_id}.csv` }));
    if (run.result.truncated) extras.append(h("p.muted", {}, "Rows were cut at the row limit."));
  }
  if (run.sql?.length) {
    extras.append(h("details.sql", {}, h("summary", {}, `SQL that ran (${run.sql.length})`),
      run.sql.map((sql) => h("div.sql-block", {}, h("pre", {}, h("code", {}, sql)), copyButton(sql, "Copy SQL")))));
  }
  if (run.run_id) extras.append(h("p.links", {}, h("a", { href: `#/sessions/${encodeURIComponent(run.session_id)}/${encodeURIComponent(run.run_id)}` }, "Open the trace")));
}
