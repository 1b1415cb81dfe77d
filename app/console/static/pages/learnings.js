// Learnings: what the agents learned — list, filter, edit and delete (admin).
import { api } from "../api.js";
import { h, mount, errorBox, when } from "../ui.js";

export async function render(main, { me }) {
  const items = await api("/v1/learnings?limit=200");
  const filter = h("input", { id: "lf", type: "search", placeholder: "Filter by words in title, text or tags" });
  const list = h("div.cards");
  const draw = () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = items.filter((l) => words.every((w) => `${l.title} ${l.learning} ${l.context} ${l.tags.join(" ")}`.toLowerCase().includes(w)));
    mount(list, shown.length ? shown.map((l) => card(l, me, () => { items.splice(items.indexOf(l), 1); draw(); })) : h("p.muted", {}, "No learnings."));
  };
  filter.addEventListener("input", draw);
  mount(main, h("h1", {}, "Learnings"), h("label", { for: "lf" }, "Search"), filter, list);
  draw();
}

function card(l, me, removed) {
  const body = h("div", {}, h("p", {}, l.learning), l.context ? h("p.muted", {}, l.context) : null);
  const meta = h("p.meta", {}, `${l.namespace} · by ${l.created_by_agent || "?"} for ${l.created_by_user || "?"} · used ${l.use_count}× · ${when(l.updated_at)}`,
    l.tags.length ? ` · ${l.tags.join(", ")}` : "");
  const box = h("article.card", {}, h("h2", {}, l.title), body, meta);
  if (me.role === "admin") box.append(h("div.row", {}, h("button.small", { type: "button", onclick: () => edit(box, l) }, "Edit"),
    h("button.small.secondary", { type: "button", onclick: () => remove(box, l, removed) }, "Delete")));
  return box;
}

function edit(box, l) {
  const title = h("input", { id: `t${l.id}`, value: l.title, required: true });
  const text = h("textarea", { id: `x${l.id}`, rows: "4", required: true });
  text.value = l.learning;
  const status = h("p.error", { role: "alert" });
  const form = h("form.edit", {}, h("label", { for: `t${l.id}` }, "Title"), title, h("label", { for: `x${l.id}` }, "Learning"), text,
    h("div.row", {}, h("button", { type: "submit" }, "Save"), h("button.secondary", { type: "button", onclick: () => form.remove() }, "Close")), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const saved = await api(`/v1/learnings/${l.id}`, { method: "PATCH", body: { title: title.value, learning: text.value } });
      Object.assign(l, saved);
      box.querySelector("h2").textContent = saved.title;
      box.querySelector("p").textContent = saved.learning;
      form.remove();
    } catch (err) {
      status.textContent = err.message;
    }
  });
  box.append(form);
  title.focus();
}

async function remove(box, l, removed) {
  if (!confirm(`Delete the learning "${l.title}"?`)) return;
  try {
    await api(`/v1/learnings/${l.id}`, { method: "DELETE" });
    removed();
  } catch (err) {
    box.append(errorBox(err));
  }
}
