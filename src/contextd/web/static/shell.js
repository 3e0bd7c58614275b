// The page around every view: which view is current, the error box, the live region, the page's
// title, heading and focus, breadcrumbs and pagers, and signing out. Views draw with these; the
// router (app.js) decides which view draws, and registers itself here so a view can ask for a
// redraw without importing the router.

import { ApiError, clearKey, getKey } from "./api.js";
import { h, replace } from "./dom.js";

export const POLL_MS = 2000;
const PER_PAGE = 50;
export const main = document.getElementById("main");
const errorBox = document.getElementById("error");
const announcer = document.getElementById("announcer");

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Each navigation starts a new generation; work (and polling) of an older view stops.
let generation = 0;
export const isCurrent = (gen) => gen === generation;

// Focus to restore after a re-render (the data-action of a button), instead of the heading.
let focusAfterRender = null;

/**
 * Start drawing a new view: older views' work stops. `keepError`: leave a shown error (an
 * action's), `focus`: the data-action of the control to focus once the page is drawn.
 */
export function startView({ keepError = false, focus = null } = {}) {
  const gen = ++generation;
  if (!keepError) clearError();
  focusAfterRender = focus;
  return gen;
}

// The router's render(options); set once at start (app.js).
let renderer = async () => {};

export function setRenderer(render) {
  renderer = render;
}

/** Draw the current route again (see app.js render for the options). */
export function rerender(options) {
  return renderer(options);
}

// --- errors ---------------------------------------------------------------------------------

export function showError(err) {
  const parts = [h("strong", {}, err.error || "Error"), ": ", err.message || String(err)];
  if (err.details?.length) {
    parts.push(
      h("ul", {}, err.details.map((d) => h("li", {}, d.field ? `${d.field}: ${d.message}` : d.message))),
    );
  }
  if (err.requestId) {
    parts.push(h("span", { class: "request-id" }, " Request id: ", h("code", {}, err.requestId)));
  }
  replace(errorBox, ...parts);
  errorBox.hidden = false;
}

export function clearError() {
  errorBox.hidden = true;
  errorBox.replaceChildren();
}

/** Tell screen readers what an action did (the live region is outside <main>, so it survives re-renders). */
export function announce(text) {
  announcer.textContent = "";
  if (text) setTimeout(() => (announcer.textContent = text), 50);
}

/**
 * Forget the key and show the sign-in form, leaving any error shown; `navigate` also drops the
 * route from the address bar.
 */
export function signOut(navigate = true) {
  clearKey();
  rerender({ keepError: true });
  if (navigate && location.hash) history.replaceState(null, "", location.pathname + location.search);
}

/** Run an action from a form or button, showing its error, with the control disabled meanwhile. */
export async function act(control, action) {
  clearError();
  control.disabled = true;
  try {
    return await action();
  } catch (err) {
    showError(err);
    // A key that stopped working (revoked, expired) signs the user out; the error stays shown.
    if (err instanceof ApiError && err.status === 401 && getKey()) signOut(false);
    return undefined;
  } finally {
    control.disabled = false;
  }
}

// --- the page -------------------------------------------------------------------------------

/** Show a page: its title, breadcrumbs and content; focus moves to the heading. */
export function page(title, ...content) {
  document.title = `${title} · contextd`;
  replace(main, ...content);
  // Which route this page is drawn for: a hash change redraws later, and a script (or a test)
  // that waits for the new page can tell it from the one still shown.
  main.dataset.route = location.hash;
  let heading = main.querySelector("h1");
  if (!heading) {
    heading = h("h1", {}, title);
    main.prepend(heading);
  }
  heading.setAttribute("tabindex", "-1");
  // After an action, focus stays on it, or moves to the first action when it is gone.
  const wanted =
    focusAfterRender &&
    (main.querySelector(`[data-action="${focusAfterRender}"]`) || main.querySelector("[data-action]"));
  focusAfterRender = null;
  (wanted || heading).focus({ preventScroll: true });
}

/** The data-action of the focused control in the page, to focus its successor after a re-render. */
export function focusedAction() {
  const el = document.activeElement;
  return el && main.contains(el) ? el.dataset.action || null : null;
}

export function breadcrumbs(...items) {
  return h(
    "nav",
    { "aria-label": "Breadcrumb", class: "breadcrumbs" },
    h(
      "ol",
      {},
      items.map(([label, href], i) =>
        h("li", {}, href && i < items.length - 1 ? h("a", { href }, label) : h("span", { "aria-current": "page" }, label)),
      ),
    ),
  );
}

/** The page and page size asked for in the route; `per_page` is kept in links only when given. */
export function paging(params) {
  const page = Math.max(1, Number.parseInt(params.get("page") || "", 10) || 1);
  const asked = Number.parseInt(params.get("per_page") || "", 10);
  const perPage = asked >= 1 && asked <= 100 ? asked : undefined;
  return { page, perPage, size: perPage || PER_PAGE };
}

/** Previous / next links for a list's pagination envelope; `hrefFor(page)` builds a page's link. */
export function pager(pagination, hrefFor, noun) {
  const { page, pages, total } = pagination;
  if (total === 0 || (pages <= 1 && page === 1)) return null;
  const link = (target, label, rel) =>
    target >= 1 && target <= pages && target !== page
      ? h("a", { href: hrefFor(target), rel }, label)
      : h("span", { class: "disabled", "aria-disabled": "true" }, label);
  return h(
    "nav",
    { class: "pager", "aria-label": `Pages of ${noun}` },
    link(Math.min(page - 1, pages), "Previous page", "prev"),
    h("span", { class: "muted" }, `Page ${page} of ${Math.max(pages, 1)} · ${total} ${noun}`),
    link(page + 1, "Next page", "next"),
  );
}
