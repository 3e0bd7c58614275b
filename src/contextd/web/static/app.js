// The contextd dashboard: a single-page app over the REST API, routed by the URL's hash.
//   #/[?page=N]                                spaces
//   #/spaces/ID[?collection=C&deleted=1&page=N]  a space: collections, sources (live status), add content
//   #/spaces/ID/search?q=…                     search results in a space
//   #/sources/ID                               a source: actions, snapshot and artifacts
//   #/sources/ID/turns[?turn=K&thinking=1]     its turns and tool calls (turns.js)
//   #/artifacts/ID[?compare=OTHER]             an artifact version and its lineage, or a diff (artifact.js)
// Lists take `per_page=N` (1-100) too, which their page links keep; PER_PAGE otherwise.

import { api, ApiError, clearKey, FINAL_STATUSES, getKey, query, setKey } from "./api.js";
import {
  codeBlock,
  copyButton,
  formatDate,
  h,
  highlighted,
  replace,
  statusBadge,
} from "./dom.js";
import { renderArtifact } from "./artifact.js";
import { fileUploadField } from "./upload.js";
import { artifactHref, turnsHref } from "./links.js";
import { citedSnapshot, renderTurns } from "./turns.js";

const POLL_MS = 2000;
const PER_PAGE = 50;
const main = document.getElementById("main");
const errorBox = document.getElementById("error");
const announcer = document.getElementById("announcer");
const nav = document.getElementById("nav");

// Each navigation starts a new generation; work (and polling) of an older view stops.
let generation = 0;
const isCurrent = (gen) => gen === generation;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- errors ---------------------------------------------------------------------------------

function showError(err) {
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

function clearError() {
  errorBox.hidden = true;
  errorBox.replaceChildren();
}

/** Tell screen readers what an action did (the live region is outside <main>, so it survives re-renders). */
function announce(text) {
  announcer.textContent = "";
  if (text) setTimeout(() => (announcer.textContent = text), 50);
}

/** Run an action from a form or button, showing its error, with the control disabled meanwhile. */
async function act(control, action) {
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

// --- routing --------------------------------------------------------------------------------

function parseRoute() {
  const [path, search] = (location.hash.replace(/^#/, "") || "/").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(search || "") };
}

const enc = encodeURIComponent;
const spacesHref = (paging = {}) => `#/${query(paging)}`;
const spaceHref = (id, collection, extra = {}) => `#/spaces/${enc(id)}${query({ collection, ...extra })}`;
const sourceHref = (id) => `#/sources/${enc(id)}`;
const searchHref = (spaceId, q, mode) => `#/spaces/${enc(spaceId)}/search${query({ q, mode })}`;

/** The page and page size asked for in the route; `per_page` is kept in links only when given. */
function paging(params) {
  const page = Math.max(1, Number.parseInt(params.get("page") || "", 10) || 1);
  const asked = Number.parseInt(params.get("per_page") || "", 10);
  const perPage = asked >= 1 && asked <= 100 ? asked : undefined;
  return { page, perPage, size: perPage || PER_PAGE };
}

/** Previous / next links for a list's pagination envelope; `hrefFor(page)` builds a page's link. */
function pager(pagination, hrefFor, noun) {
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

// Focus to restore after a re-render (the data-action of a button), instead of the heading.
let focusAfterRender = null;

/**
 * Show the page for the current route. `keepError`: leave a shown error (an action's), `focus`:
 * the data-action of the control to focus afterwards, `source`: a source the API just returned.
 */
async function render({ keepError = false, focus = null, source = null } = {}) {
  const gen = ++generation;
  if (!keepError) clearError();
  focusAfterRender = focus;
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
      await renderTurns(gen, views, parts[1], params);
    } else if (parts[0] === "artifacts" && parts.length === 2) {
      await renderArtifact(gen, views, parts[1], params);
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

/** Show a page: its title, breadcrumbs and content; focus moves to the heading. */
function page(title, ...content) {
  document.title = `${title} · contextd`;
  replace(main, ...content);
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

function breadcrumbs(...items) {
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

function signOut(navigate = true) {
  clearKey();
  generation++;
  nav.hidden = true;
  renderSignIn();
  if (navigate && location.hash) history.replaceState(null, "", location.pathname + location.search);
}

// --- sign in --------------------------------------------------------------------------------

function renderSignIn() {
  const input = h("input", {
    id: "api-key",
    name: "api-key",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "api-key-hint",
  });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    {
      class: "card narrow",
      "aria-labelledby": "sign-in-title",
      onsubmit: (event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        act(submit, async () => {
          await api(`v1/spaces${query({ per_page: 1 })}`, { key });
          setKey(key);
          await render();
        });
      },
    },
    h("h1", { id: "sign-in-title" }, "Sign in"),
    h(
      "p",
      {},
      "Sign in with a contextd API key. An operator creates one on the server with ",
      h("code", {}, "contextd keys create --name NAME"),
      ".",
    ),
    h("label", { for: "api-key" }, "API key"),
    input,
    h(
      "p",
      { id: "api-key-hint", class: "hint" },
      "The key is kept only in this tab's session storage: it is forgotten when you close the " +
        "tab or sign out, and sent to nothing but this server's API.",
    ),
    submit,
  );
  page("Sign in", form);
  input.focus();
}

// --- spaces ---------------------------------------------------------------------------------

async function renderSpaces(gen, { page: pageNo, perPage, size }) {
  const data = await api(`v1/spaces${query({ page: pageNo, per_page: size })}`);
  if (!isCurrent(gen)) return;
  const list = data.spaces.length
    ? h(
        "ul",
        { class: "cards", id: "space-list" },
        data.spaces.map((space) =>
          h(
            "li",
            { class: "card" },
            h("h2", {}, h("a", { href: spaceHref(space.id) }, space.name)),
            space.description ? h("p", {}, space.description) : null,
            h("p", { class: "muted" }, "Created ", formatDate(space.created_at)),
          ),
        ),
      )
    : h(
        "p",
        { class: "empty" },
        data.pagination.total ? "No spaces on this page." : "No spaces yet: create one below.",
      );
  const more = pager(data.pagination, (n) => spacesHref({ page: n, per_page: perPage }), "spaces");

  const name = h("input", { id: "space-name", name: "name", required: true, maxlength: 200 });
  const description = h("textarea", { id: "space-description", name: "description", rows: 2, maxlength: 10000 });
  const submit = h("button", { type: "submit" }, "Create space");
  const form = h(
    "form",
    {
      class: "card form",
      "aria-labelledby": "new-space-title",
      onsubmit: (event) => {
        event.preventDefault();
        act(submit, async () => {
          const body = { name: name.value.trim() };
          if (description.value.trim()) body.description = description.value.trim();
          const space = await api("v1/spaces", { method: "POST", body });
          location.hash = spaceHref(space.id);
        });
      },
    },
    h("h2", { id: "new-space-title" }, "New space"),
    h("label", { for: "space-name" }, "Name"),
    name,
    h("label", { for: "space-description" }, "Description ", h("span", { class: "muted" }, "(optional)")),
    description,
    submit,
  );
  page("Spaces", h("h1", {}, "Spaces"), list, more, form);
}

// --- a space --------------------------------------------------------------------------------

function flattenTree(nodes, depth = 0, out = []) {
  for (const node of nodes) {
    out.push({ node, depth });
    flattenTree(node.children || [], depth + 1, out);
  }
  return out;
}

function collectionTree(spaceId, nodes, selected) {
  const item = (node) =>
    h(
      "li",
      {},
      h(
        "a",
        { href: spaceHref(spaceId, node.id), "aria-current": node.id === selected ? "page" : false },
        node.name,
      ),
      node.children?.length ? h("ul", {}, node.children.map(item)) : null,
    );
  return h(
    "ul",
    { class: "tree", id: "collection-tree" },
    h("li", {}, h("a", { href: spaceHref(spaceId), "aria-current": selected ? false : "page" }, "All sources")),
    nodes.map(item),
  );
}

function collectionOptions(flat, selected, noneLabel) {
  return [
    h("option", { value: "" }, noneLabel),
    flat.map(({ node, depth }) =>
      h("option", { value: node.id, selected: node.id === selected }, `${"\u2003".repeat(depth)}${node.name}`),
    ),
  ];
}

function searchForm(spaceId, q = "", mode = "hybrid") {
  const input = h("input", { id: "search-query", name: "q", type: "search", required: true, value: q, maxlength: 2000 });
  const select = h(
    "select",
    { id: "search-mode", name: "mode" },
    ["hybrid", "lexical", "vector"].map((m) => h("option", { value: m, selected: m === mode }, m)),
  );
  return h(
    "form",
    {
      class: "search",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        if (input.value.trim()) location.hash = searchHref(spaceId, input.value.trim(), select.value);
      },
    },
    h("label", { for: "search-query" }, "Search this space"),
    input,
    h("label", { for: "search-mode", class: "visually-hidden" }, "Search mode"),
    select,
    h("button", { type: "submit" }, "Search"),
  );
}

function sourceLabel(source) {
  return source.name || source.title || source.id;
}

function sourceRow(source) {
  const row = h("tr", { dataset: { sourceId: source.id } });
  fillSourceRow(row, source);
  return row;
}

/** What a row shows, to tell whether a polled source needs its row redrawn. */
const rowState = (source) => `${source.status}|${source.pinned}|${source.updated_at}`;

function pinMarker() {
  return h("span", { class: "badge pin", title: "Pinned: listed first" }, "Pinned");
}

function fillSourceRow(row, source) {
  row.dataset.status = source.status;
  row.dataset.state = rowState(source);
  row.dataset.pinned = String(source.pinned);
  replace(
    row,
    h("td", {}, h("a", { href: sourceHref(source.id) }, sourceLabel(source)), source.pinned ? [" ", pinMarker()] : null),
    h("td", {}, source.type),
    h("td", { class: "status" }, statusBadge(source.status), source.message ? h("div", { class: "muted small" }, source.message) : null),
    h("td", { class: "num" }, String(source.stats.artifacts)),
    h("td", { class: "num" }, String(source.stats.tokens)),
    h("td", {}, formatDate(source.updated_at)),
  );
}

function sourcesTable(sources) {
  return h(
    "table",
    { class: "sources", id: "sources" },
    h("caption", { class: "visually-hidden" }, "Sources"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Name", "Type", "Status", "Artifacts", "Tokens", "Updated"].map((label) => h("th", { scope: "col" }, label)),
      ),
    ),
    h("tbody", {}, sources.map(sourceRow)),
  );
}

async function renderSpace(gen, spaceId, collectionId, deleted, { page: pageNo, perPage, size }) {
  // The visible page only: pinned first, then newest first (the API's order).
  const listPath = `v1/spaces/${enc(spaceId)}/sources${query({
    page: pageNo,
    per_page: size,
    collectionId,
    deleted: deleted ? "true" : undefined,
  })}`;
  const [space, tree, list] = await Promise.all([
    api(`v1/spaces/${enc(spaceId)}`),
    api(`v1/spaces/${enc(spaceId)}/collections`),
    api(listPath),
  ]);
  if (!isCurrent(gen)) return;
  const flat = flattenTree(tree.collections);
  const current = flat.find(({ node }) => node.id === collectionId)?.node;
  const viewHref = (extra) =>
    spaceHref(spaceId, collectionId, { deleted: deleted ? 1 : undefined, per_page: perPage, ...extra });

  const sourcesBox = h("div", { id: "sources-box" });
  const announcer = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  let shownTotal = 0;
  const showSources = (data) => {
    shownTotal = data.pagination.total;
    const empty = deleted
      ? "No deleted sources here."
      : data.pagination.total
        ? "No sources on this page."
        : "No sources here yet: add content below.";
    replace(
      sourcesBox,
      data.sources.length ? sourcesTable(data.sources) : h("p", { class: "empty" }, empty),
      pager(data.pagination, (n) => viewHref({ page: n }), "sources"),
    );
  };
  showSources(list);

  // Live status: while any listed source is not final, fetch the visible page again every 2 s and
  // update the rows in place (one request per poll however many sources are pending).
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      while (isCurrent(gen)) {
        const pending = [...sourcesBox.querySelectorAll("tr[data-source-id]")].some(
          (row) => !FINAL_STATUSES.has(row.dataset.status),
        );
        if (!pending) return;
        let wait = POLL_MS;
        try {
          const data = await api(listPath);
          if (!isCurrent(gen)) return;
          updateSources(data);
        } catch (err) {
          if (!isCurrent(gen)) return;
          if (err instanceof ApiError && err.status === 401) return signOut(false);
          if (err.retryAfter) wait = err.retryAfter * 1000;
          else showError(err);
        }
        await sleep(wait);
      }
    } finally {
      polling = false;
    }
  };
  const updateSources = (data) => {
    const rows = [...sourcesBox.querySelectorAll("tr[data-source-id]")];
    const sameRows =
      data.pagination.total === shownTotal &&
      data.sources.length === rows.length &&
      data.sources.every((s, i) => rows[i].dataset.sourceId === s.id);
    if (!sameRows) {
      showSources(data);
      return;
    }
    data.sources.forEach((source, i) => {
      const row = rows[i];
      if (row.dataset.state === rowState(source)) return;
      if (row.dataset.status !== source.status) announcer.textContent = `${sourceLabel(source)} is ${source.status}.`;
      fillSourceRow(row, source);
    });
  };

  // Add content: pasted text (CONTENT), a web page (URI) or a file (FILE, uploaded first).
  const kindText = h("input", { type: "radio", name: "kind", id: "kind-text", value: "CONTENT", checked: true });
  const kindUrl = h("input", { type: "radio", name: "kind", id: "kind-url", value: "URI" });
  const kindFile = h("input", { type: "radio", name: "kind", id: "kind-file", value: "FILE" });
  const sourceName = h("input", { id: "source-name", name: "name", maxlength: 500 });
  const text = h("textarea", { id: "source-text", name: "data", rows: 8 });
  const url = h("input", { id: "source-url", name: "url", type: "url", placeholder: "https://" });
  const textField = h("div", { class: "field" }, h("label", { for: "source-text" }, "Text"), text);
  const urlField = h("div", { class: "field", hidden: true }, h("label", { for: "source-url" }, "URL"), url);
  const upload = fileUploadField();
  const target = h("select", { id: "source-collection", name: "collectionId" }, collectionOptions(flat, collectionId, "No collection"));
  const addButton = h("button", { type: "submit" }, "Add source");
  const onKind = () => {
    textField.hidden = !kindText.checked;
    urlField.hidden = !kindUrl.checked;
    upload.field.hidden = !kindFile.checked;
    text.required = kindText.checked;
    url.required = kindUrl.checked;
    upload.input.required = kindFile.checked;
  };
  for (const kind of [kindText, kindUrl, kindFile]) kind.addEventListener("change", onKind);
  onKind();
  const sourceBody = async () => {
    if (kindText.checked) return { type: "CONTENT", initial_data: { data: text.value } };
    if (kindUrl.checked) return { type: "URI", initial_data: { url: url.value.trim() } };
    const file = upload.input.files[0];
    const fileKey = await upload.send(file);
    return { type: "FILE", initial_data: { data: fileKey }, name: file.name };
  };
  const addForm = h(
    "form",
    {
      class: "card form",
      id: "add-source",
      "aria-labelledby": "add-source-title",
      onsubmit: (event) => {
        event.preventDefault();
        act(addButton, async () => {
          const body = { instructions: {}, ...(await sourceBody()) };
          if (sourceName.value.trim()) body.name = sourceName.value.trim();
          if (target.value) body.collectionId = target.value;
          await api(`v1/spaces/${enc(spaceId)}/sources`, { method: "POST", body });
          if (!isCurrent(gen)) return;
          sourceName.value = "";
          text.value = "";
          url.value = "";
          upload.reset();
          if (pageNo > 1) {
            location.hash = viewHref({ page: undefined }); // the newest sources are on page 1
            return;
          }
          updateSources(await api(listPath));
          announcer.textContent = "Source added.";
          poll();
        });
      },
    },
    h("h2", { id: "add-source-title" }, "Add content"),
    h(
      "fieldset",
      { class: "inline" },
      h("legend", {}, "Kind"),
      kindText,
      h("label", { for: "kind-text" }, "Pasted text or conversation"),
      kindUrl,
      h("label", { for: "kind-url" }, "Web page"),
      kindFile,
      h("label", { for: "kind-file" }, "File"),
    ),
    h("label", { for: "source-name" }, "Name ", h("span", { class: "muted" }, "(optional)")),
    sourceName,
    textField,
    urlField,
    upload.field,
    h("label", { for: "source-collection" }, "Collection"),
    target,
    addButton,
  );

  // New collection.
  const collName = h("input", { id: "collection-name", name: "name", required: true, maxlength: 200 });
  const collParent = h("select", { id: "collection-parent", name: "parentId" }, collectionOptions(flat, collectionId, "(top level)"));
  const collButton = h("button", { type: "submit" }, "Create collection");
  const collForm = h(
    "form",
    {
      class: "form compact",
      "aria-labelledby": "new-collection-title",
      onsubmit: (event) => {
        event.preventDefault();
        act(collButton, async () => {
          const body = { name: collName.value.trim() };
          if (collParent.value) body.parentId = collParent.value;
          const created = await api(`v1/spaces/${enc(spaceId)}/collections`, { method: "POST", body });
          location.hash = spaceHref(spaceId, created.id);
        });
      },
    },
    h("h3", { id: "new-collection-title" }, "New collection"),
    h("label", { for: "collection-name" }, "Name"),
    collName,
    h("label", { for: "collection-parent" }, "Inside"),
    collParent,
    collButton,
  );

  page(
    space.name,
    breadcrumbs(["Spaces", "#/"], [space.name, null]),
    h("h1", {}, space.name),
    space.description ? h("p", { class: "lead" }, space.description) : null,
    searchForm(spaceId),
    h(
      "div",
      { class: "columns" },
      h(
        "aside",
        { class: "sidebar", "aria-labelledby": "collections-title" },
        h("h2", { id: "collections-title" }, "Collections"),
        collectionTree(spaceId, tree.collections, collectionId),
        collForm,
      ),
      h(
        "section",
        { class: "content", "aria-labelledby": "sources-title" },
        h(
          "div",
          { class: "section-head" },
          h(
            "h2",
            { id: "sources-title" },
            `${deleted ? "Deleted sources" : "Sources"}${current ? ` in ${current.name}` : ""}`,
          ),
          h(
            "a",
            { class: "view-switch", href: spaceHref(spaceId, collectionId, { deleted: deleted ? undefined : 1, per_page: perPage }) },
            deleted ? "Show live sources" : "Show deleted sources",
          ),
        ),
        sourcesBox,
        announcer,
        deleted ? null : addForm,
      ),
    ),
  );
  poll();
}

// --- search ---------------------------------------------------------------------------------

async function renderSearch(gen, spaceId, q, mode) {
  const space = await api(`v1/spaces/${enc(spaceId)}`);
  if (!isCurrent(gen)) return;
  const results = h("div", { id: "search-results", "aria-live": "polite" }, h("p", { class: "muted" }, "Searching…"));
  page(
    `Search: ${q}`,
    breadcrumbs(["Spaces", "#/"], [space.name, spaceHref(spaceId)], ["Search", null]),
    h("h1", {}, `Search in ${space.name}`),
    searchForm(spaceId, q, mode),
    results,
  );
  if (!q) {
    replace(results, h("p", { class: "empty" }, "Type something to search for."));
    return;
  }
  const data = await api(`v1/spaces/${enc(spaceId)}/search`, {
    method: "POST",
    body: { query: q, mode, top_k: 20 },
  });
  if (!isCurrent(gen)) return;
  if (!data.results.length) {
    replace(results, h("p", { class: "empty" }, "No results."));
    return;
  }
  replace(
    results,
    h("p", { class: "muted" }, `${data.results.length} results in ${Math.round(data.took_ms)} ms (${data.mode}).`),
    h(
      "ol",
      { class: "results" },
      data.results.map((r) =>
        h(
          "li",
          { class: "card result" },
          h(
            "div",
            { class: "result-head" },
            h("a", { href: sourceHref(r.sourceId) }, r.sourceName || r.sourceId),
            h("span", { class: "badge" }, r.kind),
            r.artifactType ? h("span", { class: "badge" }, r.artifactType) : null,
            r.language ? h("span", { class: "badge" }, r.language) : null,
            r.speaker ? h("span", { class: "muted" }, r.speaker) : null,
            h("span", { class: "muted score", title: "score" }, r.score.toFixed(3)),
          ),
          r.title ? h("h2", { class: "result-title" }, r.title) : null,
          r.highlights.length
            ? r.highlights.map((snippet) => h("p", { class: "snippet" }, highlighted(snippet)))
            : h(
                r.kind === "artifact" ? "pre" : "p",
                { class: r.kind === "artifact" ? "snippet code-text" : "snippet" },
                r.text.length > 400 ? `${r.text.slice(0, 400)}…` : r.text,
              ),
        ),
      ),
    ),
  );
}

// --- a source -------------------------------------------------------------------------------

const ACTIVE_STATUSES = new Set(["CREATED", "PENDING", "PROCESSING"]);
const REFRESHABLE_TYPES = new Set(["URI", "FILE"]);

/** The data-action of the focused control in the page, to focus its successor after a re-render. */
function focusedAction() {
  const el = document.activeElement;
  return el && main.contains(el) ? el.dataset.action || null : null;
}

/**
 * Run a source action: the button is disabled meanwhile; success is announced, an API error (a
 * 409 for a source whose status changed, say) is shown with its request id. Either way the view
 * is drawn again from the API's answer, and live polling resumes if the source is not final.
 */
async function runSourceAction(gen, button, request, done) {
  clearError();
  button.disabled = true;
  let source = null;
  let failed = false;
  try {
    source = await request();
  } catch (err) {
    failed = true;
    showError(err);
    if (err instanceof ApiError && err.status === 401 && getKey()) {
      signOut(false);
      return;
    }
  }
  if (!isCurrent(gen)) return;
  if (!failed) announce(typeof done === "function" ? done(source) : done);
  await render({ keepError: failed, focus: button.dataset.action, source });
}

/** The buttons valid for the source's status and type; Delete asks to confirm in place. */
function sourceActions(gen, source) {
  const path = `v1/sources/${enc(source.id)}`;
  const box = h("div", { class: "actions", role: "group", "aria-label": "Source actions", id: "source-actions" });
  const button = (action, label, onclick, extra = {}) =>
    h("button", { type: "button", class: extra.danger ? "danger" : "secondary", dataset: { action }, onclick }, label);
  const run = (method, suffix, done, body) => (event) =>
    runSourceAction(gen, event.currentTarget, () => api(`${path}${suffix}`, { method, body }), done);

  const buttons = [];
  if (source.deleted) {
    buttons.push(button("restore", "Restore", run("POST", "/restore", "Source restored.")));
  } else {
    buttons.push(
      button(
        "pin",
        source.pinned ? "Unpin" : "Pin",
        run("PATCH", "/toggle-pin", (s) => (s.pinned ? "Pinned." : "Unpinned.")),
      ),
    );
    buttons.push(button("rename", "Rename", () => showRename()));
    if (ACTIVE_STATUSES.has(source.status)) {
      buttons.push(button("cancel", "Cancel processing", run("POST", "/cancel", "Processing canceled.")));
    }
    if (REFRESHABLE_TYPES.has(source.type) && FINAL_STATUSES.has(source.status)) {
      buttons.push(button("refresh", "Refresh", run("POST", "/refresh", "Refresh started.", {})));
    }
    if (source.status === "COMPLETED" || source.status === "FAILED") {
      buttons.push(button("reprocess", "Reprocess", run("POST", "/reprocess", "Reprocessing started.", {})));
    }
    buttons.push(button("delete", "Delete", () => askDelete(), { danger: true }));
  }
  const showButtons = (focus) => {
    replace(box, buttons);
    if (focus) box.querySelector(`[data-action="${focus}"]`)?.focus();
  };

  // Delete: a second, explicit click confirms; "Keep" or Escape takes it back.
  const askDelete = () => {
    const confirmButton = button("confirm-delete", "Confirm delete", run("DELETE", "", "Source deleted: restore it from this page or the space's deleted sources."), { danger: true });
    const keep = button("keep", "Keep source", () => showButtons("delete"));
    const onKey = (event) => {
      if (event.key === "Escape") showButtons("delete");
    };
    confirmButton.addEventListener("keydown", onKey);
    keep.addEventListener("keydown", onKey);
    replace(box, h("span", { class: "confirm-text", id: "confirm-delete-text" }, "Delete this source?"), confirmButton, keep);
    confirmButton.setAttribute("aria-describedby", "confirm-delete-text");
    confirmButton.focus();
  };

  // Rename in place: PATCH the name (empty clears it, and the title shows instead).
  const showRename = () => {
    const input = h("input", { id: "rename-input", name: "name", maxlength: 500, value: source.name || "" });
    const save = h("button", { type: "submit", dataset: { action: "rename" } }, "Save name");
    const cancel = h("button", { type: "button", class: "secondary", onclick: () => showButtons("rename") }, "Cancel");
    const form = h(
      "form",
      {
        class: "rename",
        onsubmit: (event) => {
          event.preventDefault();
          const name = input.value.trim();
          runSourceAction(gen, save, () => api(path, { method: "PATCH", body: { name: name || null } }), "Source renamed.");
        },
        onkeydown: (event) => {
          if (event.key === "Escape") showButtons("rename");
        },
      },
      h("label", { for: "rename-input" }, "New name"),
      input,
      save,
      cancel,
    );
    replace(box, form);
    input.focus();
    input.select();
  };

  showButtons();
  return box;
}

// A coding-agent session's metadata (agent, model, where it ran, when), as source facts.
function sessionFacts(session) {
  if (!session) return [];
  const where = session.cwd && session.gitBranch ? `${session.cwd} (${session.gitBranch})` : session.cwd || session.gitBranch;
  return [
    ["Agent", [session.agent, session.model].filter(Boolean).join(", ")],
    where ? ["Working directory", where] : null,
    session.startedAt ? ["Session", `${session.startedAt} → ${session.endedAt || "?"}`] : null,
    session.skippedLines ? ["Skipped lines", String(session.skippedLines)] : null,
  ];
}

async function renderSource(gen, sourceId, given = null) {
  // After an action, the source the API answered is shown as is (its new status included).
  const source = given && given.id === sourceId ? given : await api(`v1/sources/${enc(sourceId)}`);
  const [space, snapshot, artifacts] = await Promise.all([
    api(`v1/spaces/${enc(source.spaceId)}`),
    source.snapshot ? api(`v1/sources/${enc(sourceId)}/snapshot`, { allow404: true }) : null,
    api(`v1/spaces/${enc(source.spaceId)}/artifacts${query({ sourceId, per_page: 100 })}`),
  ]);
  if (!isCurrent(gen)) return;
  const label = sourceLabel(source);
  const facts = [
    ["Status", statusBadge(source.status)],
    ["Type", source.type],
    source.pinned ? ["Pinned", pinMarker()] : null,
    source.format ? ["Format", source.format] : null,
    source.title && source.title !== label ? ["Title", source.title] : null,
    ...sessionFacts(source.session),
    ["Turns", source.stats.turns ? h("a", { href: turnsHref(source.id), id: "turns-link" }, `View ${source.stats.turns} turns`) : "0"],
    ["Tokens", String(source.stats.tokens)],
    ["Revision", String(source.revision)],
    ["Created", formatDate(source.created_at)],
    source.processed_at ? ["Processed", formatDate(source.processed_at)] : null,
    source.message ? ["Message", source.message] : null,
  ].filter(Boolean);

  const snapshotSection = h(
    "section",
    { "aria-labelledby": "snapshot-title", id: "snapshot" },
    h("div", { class: "section-head" }, h("h2", { id: "snapshot-title" }, "Context snapshot"), snapshot ? copyButton(() => snapshot.content, "Copy snapshot") : null),
    snapshot
      ? [
          h(
            "p",
            { class: "muted" },
            `${snapshot.tokens_before} → ${snapshot.tokens_after} tokens (${snapshot.compression.toFixed(1)}× smaller, ${snapshot.engine} engine, version ${snapshot.version})`,
            source.snapshot?.note ? ` — ${source.snapshot.note}` : "",
          ),
          citedSnapshot(snapshot.content, source.id),
        ]
      : h("p", { class: "empty" }, FINAL_STATUSES.has(source.status) ? "No snapshot." : "The snapshot is not ready yet."),
  );

  const artifactList = artifacts.artifacts.map((a) =>
    h(
      "article",
      { class: "card artifact", "aria-labelledby": `artifact-${a.id}`, dataset: { artifactId: a.id } },
      h(
        "div",
        { class: "section-head" },
        h("h3", { id: `artifact-${a.id}` }, h("a", { href: artifactHref(a.id) }, a.title)),
        h("span", { class: "badge" }, a.type),
        a.language ? h("span", { class: "badge" }, a.language) : null,
        a.version > 1 ? h("span", { class: "badge" }, `v${a.version}`) : null,
        copyButton(() => a.content),
      ),
      codeBlock(a.content, a.language),
    ),
  );
  const artifactSection = h(
    "section",
    { "aria-labelledby": "artifacts-title", id: "artifacts" },
    h("h2", { id: "artifacts-title" }, `Artifacts (${artifacts.pagination.total})`),
    artifactList.length
      ? artifactList
      : h("p", { class: "empty" }, FINAL_STATUSES.has(source.status) ? "No artifacts." : "Artifacts appear when processing completes."),
  );

  page(
    label,
    breadcrumbs(
      ["Spaces", "#/"],
      [space.name, spaceHref(space.id, source.collectionId, { deleted: source.deleted ? 1 : undefined })],
      [label, null],
    ),
    h("h1", {}, label),
    source.description ? h("p", { class: "lead" }, source.description) : null,
    source.deleted
      ? h(
          "p",
          { class: "notice", id: "deleted-notice" },
          `Deleted ${formatDate(source.deleted_at)}: hidden from the space's sources until restored.`,
        )
      : null,
    sourceActions(gen, source),
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    snapshotSection,
    artifactSection,
  );

  // Live status: re-render once the source reaches a final status.
  if (!FINAL_STATUSES.has(source.status)) {
    while (isCurrent(gen)) {
      await sleep(POLL_MS);
      if (!isCurrent(gen)) return;
      let latest;
      try {
        latest = await api(`v1/sources/${enc(sourceId)}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return signOut(false);
        if (!err.retryAfter) showError(err);
        continue;
      }
      if (!isCurrent(gen)) return;
      // Not while the user is renaming or confirming a delete: the next poll redraws.
      if (main.querySelector("form.rename, [data-action='confirm-delete']")) continue;
      if (latest.status !== source.status || FINAL_STATUSES.has(latest.status)) {
        // Redraw, keeping the focus on the action it was on and any error an action showed.
        render({ keepError: true, focus: focusedAction(), source: latest });
        return;
      }
    }
  }
}

// The page helpers the views in other modules draw with.
const views = { announce, breadcrumbs, isCurrent, page, pager, paging, showError, sourceHref, sourceLabel, spaceHref };

// --- start ----------------------------------------------------------------------------------

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
