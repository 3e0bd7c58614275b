// A source's turns: what was said, and for a coding-agent session what the agent did (its tool
// calls, collapsed under each turn, with the files they wrote linking to those files' artifacts).
//   #/sources/ID/turns[?page=N&per_page=N&turn=K&thinking=1]
// `turn=K` opens the page holding turn K and moves the focus to it: a snapshot's citations
// ("[t4]", "[t4, t6]") link there. Everything from the API is put in the page as text.

import { api, query } from "./api.js";
import { codeFiles } from "./artifact.js";
import { formatDate, h, replace } from "./dom.js";
import { artifactHref, sourceHref, sourceLabel, spaceHref, turnId, turnsHref } from "./links.js";
import { announce, breadcrumbs, isCurrent, page, pager, paging, showError } from "./shell.js";

const enc = encodeURIComponent;

// A snapshot bullet ends with the turns it comes from: "[t3]" or "[t3, t12]" (snapshot/format.py).
const CITATION = /\[(t\d+(?:,\s*t\d+)*)\]/g;

/**
 * The snapshot's Markdown as text, each turn it cites a link to that turn. The text around the
 * citations stays text nodes; only the "tN" inside a citation becomes a link.
 */
export function citedSnapshot(content, sourceId) {
  const parts = [];
  let last = 0;
  for (const match of content.matchAll(CITATION)) {
    parts.push(content.slice(last, match.index), "[");
    match[1].split(/,\s*/).forEach((ref, i) => {
      const index = Number(ref.slice(1));
      if (i) parts.push(", ");
      parts.push(
        h("a", { href: turnsHref(sourceId, { turn: index }), class: "citation", title: `Turn ${index}` }, ref),
      );
    });
    parts.push("]");
    last = match.index + match[0].length;
  }
  parts.push(content.slice(last));
  return h("pre", { class: "snapshot" }, parts);
}

// --- one tool call ------------------------------------------------------------------------

/** The path as the session's artifacts key it: relative to its working directory (artifacts/agent.py). */
function displayPath(path, cwd) {
  const windows = path.includes("\\") && !path.includes("/");
  let shown = windows ? path.replaceAll("\\", "/") : path;
  if (cwd) {
    const root = (windows ? cwd.replaceAll("\\", "/") : cwd).replace(/\/+$/, "");
    if (shown.startsWith(`${root}/`)) shown = shown.slice(root.length + 1);
  }
  while (shown.startsWith("./")) shown = shown.slice(2);
  return shown || path;
}

function toolBadge(status) {
  const label = status || "no result";
  return h("span", { class: `badge tool-status tool-${status || "none"}`, dataset: { status: label } }, label);
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A file a tool call wrote or edited, linking to the artifact version that call made. */
function fileLink(path, turnIndex, files) {
  const shown = displayPath(path, files.cwd);
  const artifact = files.versionAt(shown, turnIndex);
  const label = h("code", {}, shown);
  return artifact
    ? h("a", { href: artifactHref(artifact.id), class: "file-link", dataset: { artifactId: artifact.id } }, label)
    : label;
}

function actionItem(action, turnIndex, files) {
  switch (action.type) {
    case "file_write":
      return h("li", {}, "Wrote ", fileLink(action.path, turnIndex, files),
        h("span", { class: "muted" }, ` (${plural(action.lines ?? 0, "line")}, ${plural(action.chars ?? 0, "character")})`));
    case "file_edit":
      return h("li", {}, "Edited ", fileLink(action.path, turnIndex, files),
        h("span", { class: "muted" }, ` (${action.oldChars} → ${action.newChars} characters${action.replaceAll ? ", every occurrence" : ""})`));
    case "file_patch":
      return h("li", {}, `Patched (${action.operation || "update"}) `, fileLink(action.path, turnIndex, files),
        action.lines ? h("span", { class: "muted" }, ` (${plural(action.lines, "line")})`) : null);
    case "shell_command":
      return h("li", { class: "command" }, "Ran ", h("code", {}, action.command),
        action.exitCode === null || action.exitCode === undefined
          ? h("span", { class: "muted" }, " (exit status not recorded)")
          : h("span", { class: `badge exit ${action.exitCode === 0 ? "tool-ok" : "tool-error"}` }, `exit ${action.exitCode}`));
    case "todo_list":
      return h("li", {}, "Todo list:",
        h("ul", { class: "todo" }, (action.items || []).map((item) =>
          h("li", {}, h("span", { class: "badge" }, item.status.replaceAll("_", " ")), " ", item.text))));
    default:
      return h("li", {}, action.type);
  }
}

/** A tool call, collapsed: its name, what it was about and its status; open, what it did. */
function toolCall(call, turnIndex, files) {
  const failed = call.status === "error";
  const body = [];
  if (call.output) {
    body.push(
      h("p", { class: "tool-label" }, failed ? "Error" : "Output"),
      h("pre", { class: failed ? "tool-output tool-error-text" : "tool-output" }, call.output),
    );
    if (call.outputCut) body.push(h("p", { class: "muted small" }, `… ${plural(call.outputCut, "more character")} not shown.`));
  } else {
    body.push(h("p", { class: "muted small" }, call.status ? "No output." : "The session holds no result for this call."));
  }
  if (call.actions.length) body.push(h("ul", { class: "tool-actions" }, call.actions.map((a) => actionItem(a, turnIndex, files))));
  return h(
    "details",
    { class: "tool-call", dataset: { tool: call.name, status: call.status || "none" } },
    h("summary", {}, h("span", { class: "tool-name" }, call.name), " ",
      call.summary ? h("code", { class: "tool-summary" }, call.summary) : null, " ", toolBadge(call.status)),
    h("div", { class: "tool-body" }, body),
  );
}

// --- one turn -----------------------------------------------------------------------------

function turnItem(turn, sourceId, files) {
  return h(
    "li",
    { class: "turn card", id: turnId(turn.index), tabindex: "-1", dataset: { index: String(turn.index), role: turn.role },
      "aria-labelledby": `${turnId(turn.index)}-head` },
    h("div", { class: "turn-head", id: `${turnId(turn.index)}-head` },
      h("span", { class: "speaker" }, turn.speaker || turn.role),
      h("span", { class: `badge role role-${turn.role}` }, turn.role),
      h("a", { class: "turn-ref", href: turnsHref(sourceId, { turn: turn.index }), title: "Link to this turn" }, `t${turn.index}`),
      turn.timestamp ? h("time", { datetime: turn.timestamp, class: "muted small" }, formatDate(turn.timestamp)) : null),
    turn.text ? h("div", { class: "turn-text" }, turn.text) : null,
    h("div", { class: "thinking", hidden: true }),
    turn.toolCalls.length
      ? h("ul", { class: "tool-calls", "aria-label": `Tool calls of turn ${turn.index}` },
          turn.toolCalls.map((call) => h("li", {}, toolCall(call, turn.index, files))))
      : null,
  );
}

// --- the session header -------------------------------------------------------------------

function filesWritten(files) {
  if (!files.lineages.length) return null;
  return h(
    "section",
    { "aria-labelledby": "files-title", id: "files-written" },
    h("h2", { id: "files-title" }, `Files written (${files.lineages.length})`),
    h("ul", { class: "files" }, files.lineages.map(({ path, current, versions }) =>
      h("li", {},
        h("a", { href: artifactHref(current.id), class: "file-link", dataset: { artifactId: current.id } }, h("code", {}, path)),
        h("span", { class: "muted" }, ` ${plural(versions.length, "version")}${current.meta?.deleted ? ", deleted" : ""}`)))),
  );
}

/** What the session's files say about it: which agent and model, where it ran, when. */
function sessionFacts(session) {
  return [
    ["Agent", session.agent],
    ["Model", session.model],
    ["Working directory", session.cwd ? h("code", {}, session.cwd) : null],
    ["Branch", session.gitBranch ? h("code", {}, session.gitBranch) : null],
    ["Started", session.startedAt ? formatDate(session.startedAt) : null],
    ["Ended", session.endedAt ? formatDate(session.endedAt) : null],
  ].filter(([, value]) => value);
}

// --- the view -----------------------------------------------------------------------------

/** The page of turns holding `turn`: from its index when indexes run 0, 1, 2…, else a few hops. */
async function turnsPage(sourceId, { page, size }, turn, thinking) {
  const load = (n) => api(`v1/sources/${enc(sourceId)}/turns${query({ page: n, per_page: size, thinking: thinking ? "true" : undefined })}`);
  let n = page ?? (turn === null ? 1 : Math.floor(turn / size) + 1);
  let data = await load(n);
  for (let hop = 0; turn !== null && page === null && hop < 3 && data.turns.length; hop++) {
    const first = data.turns[0].index;
    const last = data.turns[data.turns.length - 1].index;
    const next = turn < first ? n - 1 : turn > last ? n + 1 : n;
    if (next === n || next < 1 || next > data.pagination.pages) break;
    n = next;
    data = await load(n);
  }
  return data;
}

/** Draw the turns view; `params`: the route's. */
export async function renderTurns(gen, sourceId, params) {
  const { perPage, size } = paging(params);
  const askedPage = params.get("page") ? paging(params).page : null;
  const turnParam = params.get("turn");
  const target = turnParam !== null && /^\d+$/.test(turnParam) ? Number(turnParam) : null;
  let thinking = params.get("thinking") === "1";

  const source = await api(`v1/sources/${enc(sourceId)}`);
  const [space, data, files] = await Promise.all([
    api(`v1/spaces/${enc(source.spaceId)}`),
    turnsPage(sourceId, { page: askedPage, size }, target, thinking),
    source.session ? codeFiles(source.spaceId, sourceId, source.session.cwd) : codeFiles.none(),
  ]);
  if (!isCurrent(gen)) return;
  const label = sourceLabel(source);
  const pageNo = data.pagination.page;

  const list = h("ol", { class: "turns", id: "turns" }, data.turns.map((t) => turnItem(t, sourceId, files)));
  const showThinking = (turns) => {
    const byIndex = new Map(turns.map((t) => [t.index, t.thinking]));
    for (const el of list.querySelectorAll(".thinking")) {
      const text = byIndex.get(Number(el.closest(".turn").dataset.index));
      replace(el, text ? [h("p", { class: "tool-label" }, "Thinking"), h("div", { class: "thinking-text" }, text)] : null);
      el.hidden = !thinking || !text;
    }
  };
  const hrefFor = (n) => turnsHref(sourceId, { page: n, perPage, thinking });
  const pagerBox = h("div", { class: "pager-box" });
  const drawPager = () => replace(pagerBox, pager(data.pagination, hrefFor, "turns"));
  drawPager();

  // Thinking is the model's, not the conversation: hidden until asked for, then fetched once.
  let withThinking = thinking ? data.turns : null;
  const toggle = h("button", { type: "button", class: "secondary", id: "thinking-toggle", "aria-pressed": String(thinking),
    dataset: { action: "thinking" } }, "Show thinking");
  toggle.addEventListener("click", async () => {
    toggle.disabled = true;
    try {
      if (!thinking && !withThinking) {
        withThinking = (await api(`v1/sources/${enc(sourceId)}/turns${query({ page: pageNo, per_page: size, thinking: "true" })}`)).turns;
        if (!isCurrent(gen)) return;
      }
      thinking = !thinking;
      showThinking(withThinking || []);
      toggle.setAttribute("aria-pressed", String(thinking));
      const count = (withThinking || []).filter((t) => t.thinking).length;
      announce(thinking ? `Thinking shown for ${plural(count, "turn")} on this page.` : "Thinking hidden.");
      history.replaceState(null, "", turnsHref(sourceId, { page: pageNo, perPage, thinking }));
      drawPager();
    } catch (err) {
      showError(err);
    } finally {
      toggle.disabled = false;
      toggle.focus();
    }
  });

  page(
    `Turns of ${label}`,
    breadcrumbs(["Spaces", "#/"], [space.name, spaceHref(space.id, source.collectionId)], [label, sourceHref(source.id)], ["Turns", null]),
    h("h1", {}, `Turns of ${label}`),
    source.session
      ? h("section", { class: "card session-head", "aria-label": "Session", id: "session-head" },
          h("dl", { class: "facts" }, sessionFacts(source.session).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])))
      : null,
    filesWritten(files),
    h("div", { class: "section-head" },
      h("h2", { id: "turns-title" }, `Turns (${data.pagination.total})`),
      h("div", { class: "actions turn-actions" }, toggle)),
    data.turns.length ? list : h("p", { class: "empty" }, data.pagination.total ? "No turns on this page." : "This source has no turns."),
    pagerBox,
  );
  if (thinking) showThinking(data.turns);

  if (target !== null) {
    const el = document.getElementById(turnId(target));
    if (el) {
      el.classList.add("target");
      el.focus();
      el.scrollIntoView({ block: "start" });
    } else {
      announce(`Turn ${target} is not on this page.`);
    }
  }
}
