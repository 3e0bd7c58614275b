// A source: its facts, the actions its status allows (pin, rename, cancel, refresh, reprocess,
// delete, restore), its context snapshot with citations linking to turns, and its artifacts.
// While it is processing, the page polls it and redraws once its status changes.
//   #/sources/ID

import { api, ApiError, FINAL_STATUSES, getKey, query } from "./api.js";
import { codeBlock, copyButton, formatDate, h, pinMarker, replace, statusBadge } from "./dom.js";
import { artifactHref, sourceLabel, spaceHref, turnsHref } from "./links.js";
import {
  announce,
  breadcrumbs,
  clearError,
  focusedAction,
  isCurrent,
  main,
  page,
  POLL_MS,
  rerender,
  showError,
  signOut,
  sleep,
} from "./shell.js";
import { citedSnapshot } from "./turns.js";

const enc = encodeURIComponent;

const ACTIVE_STATUSES = new Set(["CREATED", "PENDING", "PROCESSING"]);
const REFRESHABLE_TYPES = new Set(["URI", "FILE"]);

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
  await rerender({ keepError: failed, focus: button.dataset.action, source });
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

export async function renderSource(gen, sourceId, given = null) {
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
        rerender({ keepError: true, focus: focusedAction(), source: latest });
        return;
      }
    }
  }
}
