// One artifact with its lineage's versions, and a coding-agent session's files as lineages.
//   #/artifacts/ID     one version: its content, the turns it comes from, the other versions
// A session's files are CODE artifacts keyed "path:<path>" (the path relative to the session's
// working directory, pipeline/artifacts/agent.py), one version per state the agent left them in.

import { api, query } from "./api.js";
import { codeBlock, copyButton, h } from "./dom.js";
import { artifactHref, turnsHref } from "./links.js";

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

/** Draw one artifact version. `ui`: the app's page helpers (see turns.js). */
export async function renderArtifact(gen, ui, artifactId) {
  const artifact = await api(`v1/artifacts/${enc(artifactId)}`);
  const [space, source, lineage] = await Promise.all([
    api(`v1/spaces/${enc(artifact.spaceId)}`),
    api(`v1/sources/${enc(artifact.sourceId)}`),
    api(`v1/artifacts/${enc(artifactId)}/versions`),
  ]);
  if (!ui.isCurrent(gen)) return;
  const versions = lineage.versions;
  const label = ui.sourceLabel(source);
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

  ui.page(
    artifact.title,
    ui.breadcrumbs(
      ["Spaces", "#/"],
      [space.name, ui.spaceHref(space.id, source.collectionId)],
      [label, ui.sourceHref(source.id)],
      [artifact.title, null],
    ),
    h("h1", {}, artifact.title),
    h("dl", { class: "facts", id: "artifact-facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    versions.length > 1
      ? h(
          "nav",
          { "aria-label": "Versions", class: "versions" },
          h("h2", {}, `Versions (${versions.length})`),
          h("ol", {}, versions.map((v) =>
            h("li", {},
              h("a", { href: artifactHref(v.id), "aria-current": v.id === artifact.id ? "page" : false }, `Version ${v.version}`),
              v.turn_indexes.length ? h("span", { class: "muted" }, ` (turn${v.turn_indexes.length > 1 ? "s" : ""} ${v.turn_indexes.map((t) => `t${t}`).join(", ")})`) : null))),
        )
      : null,
    h("div", { class: "section-head" }, h("h2", { id: "content-title" }, "Content"), copyButton(() => artifact.content)),
    codeBlock(artifact.content, artifact.language),
  );
}
