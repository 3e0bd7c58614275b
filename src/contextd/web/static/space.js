// A space: its collections as a tree, its sources a page at a time with their status kept live,
// and the forms that add content and create collections.
//   #/spaces/ID[?collection=C&deleted=1&page=N&per_page=N]

import { api, ApiError, FINAL_STATUSES, query } from "./api.js";
import { formatDate, h, pinMarker, replace, statusBadge } from "./dom.js";
import { sourceHref, sourceLabel, spaceHref } from "./links.js";
import { searchForm } from "./search.js";
import { act, breadcrumbs, isCurrent, page, pager, POLL_MS, showError, signOut, sleep } from "./shell.js";
import { fileUploadField } from "./upload.js";

const enc = encodeURIComponent;

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

function sourceRow(source) {
  const row = h("tr", { dataset: { sourceId: source.id } });
  fillSourceRow(row, source);
  return row;
}

/** What a row shows, to tell whether a polled source needs its row redrawn. */
const rowState = (source) => `${source.status}|${source.pinned}|${source.updated_at}`;

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

export async function renderSpace(gen, spaceId, collectionId, deleted, { page: pageNo, perPage, size }) {
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
