// Health: the database, the model, the embedder and Slack, as GET /health reports them.
import { h, mount } from "../ui.js";

export async function render(main) {
  const response = await fetch("/health", { headers: { Accept: "application/json" } });
  const body = await response.json();
  const row = (name, ok, text) => h("li", {}, h(`span.badge.${ok ? "up" : "down"}`, {}, ok ? "ok" : "check"), h("strong", {}, name), " ", text);
  const db = body.database || {};
  mount(main, h("h1", {}, "Health"), h("ul.health", {},
    row("Database", db.status === "up", db.status === "up" ? `PostgreSQL ${db.server_version} (${db.kind}), ${db.latency_ms} ms` : db.error || "down"),
    row("Model", body.model?.configured, body.model?.configured ? `${body.model.model} at ${body.model.base_url}` : "not configured: set OPENAI_API_KEY"),
    row("Embedder", true, `${body.embedder?.name} (${body.embedder?.dimension} dimensions)`),
    row("Slack", body.slack?.enabled, body.slack?.enabled ? "enabled" : "not enabled")));
}
