// The contextd dashboard: a single-page app over the REST API, routed by the URL's hash.
//   #/                          spaces
//   #/spaces/ID[?collection=C]  a space: collections, sources (live status), add content
//   #/spaces/ID/search?q=…      search results in a space
//   #/sources/ID                a source: snapshot and artifacts

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

const POLL_MS = 2000;
const main = document.getElementById("main");
const errorBox = document.getElementById("error");
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
const spaceHref = (id, collection) => `#/spaces/${enc(id)}${query({ collection })}`;
const sourceHref = (id) => `#/sources/${enc(id)}`;
const searchHref = (spaceId, q, mode) => `#/spaces/${enc(spaceId)}/search${query({ q, mode })}`;

async function render() {
  const gen = ++generation;
  clearError();
  if (!getKey()) {
    nav.hidden = true;
    renderSignIn();
    return;
  }
  nav.hidden = false;
  const { parts, params } = parseRoute();
  try {
    if (parts.length === 0 || (parts.length === 1 && parts[0] === "spaces")) {
      await renderSpaces(gen);
    } else if (parts[0] === "spaces" && parts.length === 2) {
      await renderSpace(gen, parts[1], params.get("collection"));
    } else if (parts[0] === "spaces" && parts.length === 3 && parts[2] === "search") {
      await renderSearch(gen, parts[1], params.get("q") || "", params.get("mode") || "hybrid");
    } else if (parts[0] === "sources" && parts.length === 2) {
      await renderSource(gen, parts[1]);
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
  heading.focus({ preventScroll: true });
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

async function renderSpaces(gen) {
  const data = await api(`v1/spaces${query({ per_page: 100 })}`);
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
    : h("p", { class: "empty" }, "No spaces yet: create one below.");
  const more =
    data.pagination.total > data.spaces.length
      ? h("p", { class: "muted" }, `Showing ${data.spaces.length} of ${data.pagination.total} spaces.`)
      : null;

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

function fillSourceRow(row, source) {
  row.dataset.status = source.status;
  replace(
    row,
    h("td", {}, h("a", { href: sourceHref(source.id) }, sourceLabel(source)), source.pinned ? " \u{1F4CC}" : null),
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

async function renderSpace(gen, spaceId, collectionId) {
  const [space, tree, list] = await Promise.all([
    api(`v1/spaces/${enc(spaceId)}`),
    api(`v1/spaces/${enc(spaceId)}/collections`),
    api(`v1/spaces/${enc(spaceId)}/sources${query({ per_page: 100, collectionId })}`),
  ]);
  if (!isCurrent(gen)) return;
  const flat = flattenTree(tree.collections);
  const current = flat.find(({ node }) => node.id === collectionId)?.node;

  const sourcesBox = h("div", { id: "sources-box" });
  const announcer = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const showSources = (data) => {
    replace(
      sourcesBox,
      data.sources.length ? sourcesTable(data.sources) : h("p", { class: "empty" }, "No sources here yet: add content below."),
      data.pagination.total > data.sources.length
        ? h("p", { class: "muted" }, `Showing the newest ${data.sources.length} of ${data.pagination.total} sources.`)
        : null,
    );
  };
  showSources(list);

  // Live status: while any listed source is not final, fetch the list again every 2 s and update
  // the rows in place (one request per poll however many sources are pending).
  const listPath = `v1/spaces/${enc(spaceId)}/sources${query({ per_page: 100, collectionId })}`;
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
    const rows = new Map([...sourcesBox.querySelectorAll("tr[data-source-id]")].map((r) => [r.dataset.sourceId, r]));
    if (data.sources.length !== rows.size || data.sources.some((s) => !rows.has(s.id))) {
      showSources(data);
      return;
    }
    for (const source of data.sources) {
      const row = rows.get(source.id);
      if (row.dataset.status !== source.status) {
        fillSourceRow(row, source);
        announcer.textContent = `${sourceLabel(source)} is ${source.status}.`;
      }
    }
  };

  // Add content: pasted text (CONTENT) or a web page (URI).
  const kindText = h("input", { type: "radio", name: "kind", id: "kind-text", value: "CONTENT", checked: true });
  const kindUrl = h("input", { type: "radio", name: "kind", id: "kind-url", value: "URI" });
  const sourceName = h("input", { id: "source-name", name: "name", maxlength: 500 });
  const text = h("textarea", { id: "source-text", name: "data", rows: 8 });
  const url = h("input", { id: "source-url", name: "url", type: "url", placeholder: "https://" });
  const textField = h("div", { class: "field" }, h("label", { for: "source-text" }, "Text"), text);
  const urlField = h("div", { class: "field", hidden: true }, h("label", { for: "source-url" }, "URL"), url);
  const target = h("select", { id: "source-collection", name: "collectionId" }, collectionOptions(flat, collectionId, "No collection"));
  const addButton = h("button", { type: "submit" }, "Add source");
  const onKind = () => {
    const isText = kindText.checked;
    textField.hidden = !isText;
    urlField.hidden = isText;
    text.required = isText;
    url.required = !isText;
  };
  kindText.addEventListener("change", onKind);
  kindUrl.addEventListener("change", onKind);
  onKind();
  const addForm = h(
    "form",
    {
      class: "card form",
      id: "add-source",
      "aria-labelledby": "add-source-title",
      onsubmit: (event) => {
        event.preventDefault();
        act(addButton, async () => {
          const isText = kindText.checked;
          const body = {
            type: isText ? "CONTENT" : "URI",
            instructions: {},
            initial_data: isText ? { data: text.value } : { url: url.value.trim() },
          };
          if (sourceName.value.trim()) body.name = sourceName.value.trim();
          if (target.value) body.collectionId = target.value;
          await api(`v1/spaces/${enc(spaceId)}/sources`, { method: "POST", body });
          if (!isCurrent(gen)) return;
          sourceName.value = "";
          text.value = "";
          url.value = "";
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
    ),
    h("label", { for: "source-name" }, "Name ", h("span", { class: "muted" }, "(optional)")),
    sourceName,
    textField,
    urlField,
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
        h("h2", { id: "sources-title" }, current ? `Sources in ${current.name}` : "Sources"),
        sourcesBox,
        announcer,
        addForm,
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

async function renderSource(gen, sourceId) {
  const source = await api(`v1/sources/${enc(sourceId)}`);
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
    source.format ? ["Format", source.format] : null,
    source.title && source.title !== label ? ["Title", source.title] : null,
    ["Turns", String(source.stats.turns)],
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
          h("pre", { class: "snapshot" }, snapshot.content),
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
        h("h3", { id: `artifact-${a.id}` }, a.title),
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
    breadcrumbs(["Spaces", "#/"], [space.name, spaceHref(space.id, source.collectionId)], [label, null]),
    h("h1", {}, label),
    source.description ? h("p", { class: "lead" }, source.description) : null,
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
      if (latest.status !== source.status || FINAL_STATUSES.has(latest.status)) {
        render();
        return;
      }
    }
  }
}

// --- start ----------------------------------------------------------------------------------

document.getElementById("sign-out").addEventListener("click", () => {
  signOut(true);
});
window.addEventListener("hashchange", render);
render();
