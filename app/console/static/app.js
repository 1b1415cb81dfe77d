// The console shell: who is signed in, which pages their role may see, and hash routing.
import { api, auth, ApiError } from "./api.js";
import { h, mount, errorBox } from "./ui.js";

const RANK = { viewer: 1, analyst: 2, admin: 3 };
// Pages a role does not reach are not shown; their APIs answer 403 anyway.
const PAGES = [
  { id: "ask", title: "Ask", role: "viewer", load: () => import("./pages/ask.js") },
  { id: "sessions", title: "Sessions", role: "viewer", load: () => import("./pages/sessions.js") },
  { id: "knowledge", title: "Knowledge", role: "analyst", load: () => import("./pages/knowledge.js") },
  { id: "learnings", title: "Learnings", role: "analyst", load: () => import("./pages/learnings.js") },
  { id: "schedules", title: "Schedules", role: "admin", load: () => import("./pages/schedules.js") },
  { id: "audit", title: "Audit", role: "admin", load: () => import("./pages/audit.js") },
  { id: "health", title: "Health", role: "viewer", load: () => import("./pages/health.js") },
];

const main = document.getElementById("main");
let me = null;

function allowed(page) {
  return me && RANK[me.role] >= RANK[page.role];
}

function route() {
  const [id, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { id: id || "ask", args: rest.map(decodeURIComponent) };
}

function renderNav(current) {
  const links = PAGES.filter(allowed).map((p) =>
    h("a", { href: `#/${p.id}`, "aria-current": p.id === current ? "page" : undefined }, p.title));
  mount(document.getElementById("nav"), links);
  const who = document.getElementById("who");
  mount(who, me ? `${me.user_id} · ${me.role}` : "");
  if (me?.via !== "development" && auth.token) {
    who.append(" ", h("button.small", { type: "button", onclick: signOut }, "Sign out"));
  }
}

async function show() {
  const { id, args } = route();
  const page = PAGES.find((p) => p.id === id && allowed(p));
  renderNav(page?.id);
  if (!page) return mount(main, h("h1", {}, "Not here"), h("p", {}, "This page does not exist or your role cannot see it."));
  document.title = `${page.title} · Dash`;
  try {
    const module = await page.load();
    await module.render(main, { args, me, api });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signIn(err.message);
    mount(main, h("h1", {}, page.title), errorBox(err));
  }
}

function signOut() {
  auth.clear();
  me = null;
  signIn();
}

function signIn(message) {
  renderNav();
  const input = h("input", { id: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const status = h("p.error", { role: "alert" }, message || "");
  const form = h("form.signin", {},
    h("h1", {}, "Sign in to Dash"),
    h("p", {}, "Paste an API key (", h("code", {}, "dash keys create"), ") or a JWT. It is kept for this browser tab only."),
    h("label", { for: "token" }, "API key or JWT"), input,
    h("button", { type: "submit" }, "Sign in"), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    auth.set(input.value.trim());
    try {
      await start();
    } catch (err) {
      auth.clear();
      status.textContent = err.message;
    }
  });
  mount(main, form);
  input.focus();
}

async function start() {
  const who = await api("/v1/me");
  if (!who.signed_in) return signIn();
  me = who;
  await show();
}

window.addEventListener("hashchange", () => me && show());
start().catch((err) => {
  if (err instanceof ApiError && err.status === 401) {
    auth.clear();
    return signIn(err.message);
  }
  mount(main, errorBox(err));
});
