// The contextd dashboard: a single-page app over the REST API, routed by the URL's hash.
//   #/[?page=N]                                spaces (spaces.js)
//   #/spaces/ID[?collection=C&deleted=1&page=N]  a space: collections, sources (live status), add content (space.js)
//   #/spaces/ID/search?q=…                     search results in a space (search.js)
//   #/sources/ID                               a source: actions, snapshot and artifacts (source.js)
//   #/sources/ID/turns[?turn=K&thinking=1]     its turns and tool calls (turns.js)
//   #/artifacts/ID[?compare=OTHER]             an artifact version and its lineage, or a diff (artifact.js)
// Lists take `per_page=N` (1-100) too, which their page links keep; PER_PAGE otherwise.
// This module is the router only: the page around the views is shell.js, the API client api.js.

import { ApiError, getKey } from "./api.js";
import { renderArtifact } from "./artifact.js";
import { h } from "./dom.js";
import { renderSearch } from "./search.js";
import { isCurrent, main, page, paging, setRenderer, showError, signOut, startView } from "./shell.js";
import { renderSignIn } from "./signin.js";
import { renderSource } from "./source.js";
import { renderSpace } from "./space.js";
import { renderSpaces } from "./spaces.js";
import { renderTurns } from "./turns.js";

const nav = document.getElementById("nav");

function parseRoute() {
  const [path, search] = (location.hash.replace(/^#/, "") || "/").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(search || "") };
}

/**
 * Show the page for the current route. `keepError`: leave a shown error (an action's), `focus`:
 * the data-action of the control to focus afterwards, `source`: a source the API just returned.
 */
async function render({ keepError = false, focus = null, source = null } = {}) {
  const gen = startView({ keepError, focus });
  if (!getKey()) {
    nav.hidden = true;
    renderSignIn();
    return;
  }
  nav.hidden = false;
  const { parts, params } = parseRoute();
  try {
    if (parts.length === 0 || (parts.length === 1 && parts[0] === "spaces")) {
      await renderSpaces(gen, paging(params));
    } else if (parts[0] === "spaces" && parts.length === 2) {
      await renderSpace(gen, parts[1], params.get("collection"), params.get("deleted") === "1", paging(params));
    } else if (parts[0] === "spaces" && parts.length === 3 && parts[2] === "search") {
      await renderSearch(gen, parts[1], params.get("q") || "", params.get("mode") || "hybrid");
    } else if (parts[0] === "sources" && parts.length === 2) {
      await renderSource(gen, parts[1], source);
    } else if (parts[0] === "sources" && parts.length === 3 && parts[2] === "turns") {
      await renderTurns(gen, parts[1], params);
    } else if (parts[0] === "artifacts" && parts.length === 2) {
      await renderArtifact(gen, parts[1], params);
    } else {
      page("Not found", h("p", {}, "There is no such page. ", h("a", { href: "#/" }, "Go to your spaces.")));
    }
  } catch (err) {
    if (!isCurrent(gen)) return;
    if (err instanceof ApiError && err.status === 401) {
      signOut(false);
    } else if (!main.querySelector("h1")) {
      page("Something went wrong", h("p", {}, h("a", { href: "#/" }, "Back to your spaces")));
    }
    showError(err);
  }
}

// --- start ----------------------------------------------------------------------------------

setRenderer(render);
document.getElementById("sign-out").addEventListener("click", () => {
  signOut(true);
});
// The skip link must not change the hash: "#main" would be routed as a page that does not exist.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", () => render());
render();
