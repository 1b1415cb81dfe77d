// The console's only way to the server: the public REST API with the caller's bearer token.
// The token lives in sessionStorage: it is gone when the browser tab closes.

const TOKEN = "dash.token";

export const auth = {
  get token() { return sessionStorage.getItem(TOKEN); },
  set(token) { sessionStorage.setItem(TOKEN, token); },
  clear() { sessionStorage.removeItem(TOKEN); },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code || "http_error";
    this.detail = body?.error?.detail;
  }
}

function headers(json) {
  const h = { Accept: "application/json" };
  if (auth.token) h.Authorization = `Bearer ${auth.token}`;
  if (json) h["Content-Type"] = "application/json";
  return h;
}

/** One JSON request; an error status throws ApiError with the server's message. */
export async function api(path, { method = "GET", body, signal } = {}) {
  const init = { method, headers: headers(body !== undefined), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** The events of a text/event-stream body, as {id, event, data}, while they arrive. */
export async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = parseBlock(block);
      if (event) yield event;
    }
  }
}

function parseBlock(block) {
  const fields = {};
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue; // keep-alive comment
    const at = line.indexOf(":");
    const name = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
    fields[name] = fields[name] === undefined ? value : `${fields[name]}\n${value}`;
  }
  if (fields.data === undefined) return null;
  return { id: fields.id ? Number(fields.id) : null, event: fields.event || "message", data: JSON.parse(fields.data) };
}

async function openStream(path, body, signal) {
  const init = { method: body ? "POST" : "GET", headers: headers(Boolean(body)), signal };
  if (body) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response;
}

const TERMINAL = new Set(["run_completed", "run_failed", "run_cancelled"]);
const RETRIES = 5;

/**
 * Ask a question and call onEvent(event) for each run event until the run ends.
 * A dropped connection is resumed with GET /v1/runs/{id}/events?after=<last id>: nothing is lost,
 * nothing comes twice.
 */
export async function askStream(message, sessionId, onEvent, signal) {
  let runId = null;
  let last = 0;
  let response = await openStream("/v1/ask", { message, session_id: sessionId || undefined, stream: true }, signal);
  for (let attempt = 0; ; attempt++) {
    try {
      for await (const e of sseEvents(response)) {
        if (e.id) last = e.id;
        if (e.data.run_id) runId = e.data.run_id;
        if (e.event === "error") throw new Error(e.data.message);
        onEvent(e.data);
        if (TERMINAL.has(e.event)) return;
      }
      throw new Error("The stream ended before the run did.");
    } catch (err) {
      if (signal?.aborted || !runId || attempt >= RETRIES || err instanceof ApiError) throw err;
      await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
      response = await openStream(`/v1/runs/${encodeURIComponent(runId)}/events?after=${last}`, null, signal);
    }
  }
}
