// One artifact with its lineage's versions, and a coding-agent session's files as lineages.
//   #/artifacts/ID              one version: its content, the turns it comes from, the other versions
//   #/artifacts/ID?compare=OTHER  the line diff from the older of the two versions to the newer
// A session's files are CODE artifacts keyed "path:<path>" (the path relative to the session's
// working directory, pipeline/artifacts/agent.py), one version per state the agent left them in.

import { api, ApiError, query } from "./api.js";
import { diffView } from "./diff.js";
import { codeBlock, copyButton, h } from "./dom.js";
import { artifactHref, sourceHref, sourceLabel, spaceHref, turnsHref } from "./links.js";
import { breadcrumbs, isCurrent, page } from "./shell.js";

const enc = encodeURIComponent;
const PATH_KEY = "path:";
const MAX_PAGES = 20; // 2,000 versions: past that, a file's link falls back to its current version

async function allArtifacts(spaceId, sourceId, current) {
  const out = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const data = await api(
      `v1/spaces/${enc(spaceId)}/artifacts${query({ sourceId, type: "CODE", current: String(current), page, per_page: 100 })}`,
    );
    out.push(...data.artifacts);
    if (page >= data.pagination.pages) break;
  }
  return out;
}

/**
 * The files a session wrote: `lineages` (path, current version, versions oldest first), and
 * `versionAt(path, turn)`, the version a tool call in that turn left (its current one otherwise).
 */
export async function codeFiles(spaceId, sourceId, cwd) {
  const [current, superseded] = await Promise.all([
    allArtifacts(spaceId, sourceId, true),
    allArtifacts(spaceId, sourceId, false),
  ]);
  const byPath = new Map();
  for (const a of [...current, ...superseded]) {
    if (!a.key?.startsWith(PATH_KEY)) continue;
    const path = a.meta?.path || a.key.slice(PATH_KEY.length);
    if (!byPath.has(path)) byPath.set(path, { path, current: null, versions: [] });
    const lineage = byPath.get(path);
    lineage.versions.push(a);
    if (a.is_current) lineage.current = a;
  }
  const lineages = [...byPath.values()]
    .map((l) => {
      l.versions.sort((x, y) => x.version - y.version);
      l.current ||= l.versions[l.versions.length - 1];
      return l;
    })
    .sort((x, y) => x.path.localeCompare(y.path));
  return {
    cwd,
    lineages,
    versionAt(path, turn) {
      const lineage = byPath.get(path);
      if (!lineage) return null;
      return lineage.versions.find((v) => v.turn_indexes.includes(turn)) || lineage.current;
    },
  };
}

/** No files: a source that is not a coding-agent session. */
codeFiles.none = async () => ({ cwd: null, lineages: [], versionAt: () => null });

function turnLinks(sourceId, indexes) {
  if (!indexes.length) return null;
  return indexes.flatMap((index, i) => [
    i ? ", " : null,
    h("a", { href: turnsHref(sourceId, { turn: index }), class: "citation", title: `Turn ${index}` }, `t${index}`),
  ]);
}

/** The versions' list: each links to its page, and the others to their diff with this one. */
function versionsNav(artifact, versions, compared) {
  return h(
    "nav",
    { "aria-label": "Versions", class: "versions" },
    h("h2", {}, `Versions (${versions.length})`),
    h("ol", {}, versions.map((v) =>
      h("li", {},
        h("a", { href: artifactHref(v.id), "aria-current": v.id === artifact.id && !compared ? "page" : false }, `Version ${v.version}`),
        v.turn_indexes.length ? h("span", { class: "muted" }, ` (turn${v.turn_indexes.length > 1 ? "s" : ""} ${v.turn_indexes.map((t) => `t${t}`).join(", ")})`) : null,
        v.id === artifact.id
          ? null
          : [" · ", h("a", {
              href: artifactHref(artifact.id, { compare: v.id }),
              class: "compare",
              "aria-current": compared?.id === v.id ? "page" : false,
              "aria-label": `Compare version ${v.version} with version ${artifact.version}`,
            }, "compare")]))),
  );
}

/** The content, or with `compared` (another version), the diff between the two, older first. */
function contentSection(artifact, compared) {
  if (!compared) {
    return [
      h("div", { class: "section-head" }, h("h2", { id: "content-title" }, "Content"), copyButton(() => artifact.content)),
      codeBlock(artifact.content, artifact.language),
    ];
  }
  const [older, newer] = compared.version < artifact.version ? [compared, artifact] : [artifact, compared];
  return [
    h(
      "div",
      { class: "section-head" },
      h("h2", { id: "content-title" }, `Changes from version ${older.version} to version ${newer.version}`),
      h("a", { href: artifactHref(artifact.id), class: "small" }, `Show version ${artifact.version}'s content`),
    ),
    diffView(older.content, newer.content, { oldLabel: `version ${older.version}`, newLabel: `version ${newer.version}` }),
  ];
}

/** Draw one artifact version; `params`: the route's. */
export async function renderArtifact(gen, artifactId, params = new URLSearchParams()) {
  const artifact = await api(`v1/artifacts/${enc(artifactId)}`);
  const compareId = params.get("compare");
  const [space, source, lineage, compared] = await Promise.all([
    api(`v1/spaces/${enc(artifact.spaceId)}`),
    api(`v1/sources/${enc(artifact.sourceId)}`),
    api(`v1/artifacts/${enc(artifactId)}/versions`),
    compareId && compareId !== artifactId ? api(`v1/artifacts/${enc(compareId)}`) : null,
  ]);
  if (!isCurrent(gen)) return;
  const versions = lineage.versions;
  if (compared && !versions.some((v) => v.id === compared.id)) {
    throw new ApiError({ status: 400, error: "Not a version", message: "The artifact to compare with is not a version of this one." });
  }
  const label = sourceLabel(source);
  const meta = artifact.meta || {};
  const facts = [
    ["Type", artifact.type],
    artifact.language ? ["Language", artifact.language] : null,
    meta.path ? ["Path", h("code", {}, meta.path)] : null,
    ["Version", `${artifact.version} of ${versions.length}${artifact.is_current ? " (current)" : " (superseded)"}`],
    meta.partial ? ["Content", "The edit only, as a diff: the file's earlier content is not in the session."] : null,
    meta.deleted ? ["Deleted", "The session deleted this file."] : null,
    meta.exit_code !== undefined && meta.exit_code !== null ? ["Exit code", String(meta.exit_code)] : null,
    artifact.turn_indexes.length ? ["Turns", turnLinks(source.id, artifact.turn_indexes)] : null,
  ].filter(Boolean);

  page(
    artifact.title,
    breadcrumbs(
      ["Spaces", "#/"],
      [space.name, spaceHref(space.id, source.collectionId)],
      [label, sourceHref(source.id)],
      [artifact.title, null],
    ),
    h("h1", {}, artifact.title),
    h("dl", { class: "facts", id: "artifact-facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    versions.length > 1 ? versionsNav(artifact, versions, compared) : null,
    contentSection(artifact, compared),
  );
}
