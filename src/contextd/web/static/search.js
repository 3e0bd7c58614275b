// Search in a space: the form (also shown on the space's page) and the ranked results, whose
// snippets show the query's terms as the server marked them.
//   #/spaces/ID/search?q=…[&mode=hybrid|lexical|vector]

import { api } from "./api.js";
import { h, highlighted, replace } from "./dom.js";
import { searchHref, sourceHref, spaceHref } from "./links.js";
import { breadcrumbs, isCurrent, page } from "./shell.js";

const enc = encodeURIComponent;

export function searchForm(spaceId, q = "", mode = "hybrid") {
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

export async function renderSearch(gen, spaceId, q, mode) {
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
