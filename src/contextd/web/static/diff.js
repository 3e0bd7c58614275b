// Line diffs between two versions of an artifact, drawn as a unified diff with context.
// Myers' O(ND) algorithm after trimming the common head and tail, so an edit in a long file costs
// little; two texts more different than MAX_EDITS lines answer null (the page says so) instead
// of freezing the tab.

import { h } from "./dom.js";

const MAX_EDITS = 4000;
const CONTEXT = 3;

/**
 * The edit script turning `a` into `b` (arrays of lines): [{op: " " | "-" | "+", text, oldNo,
 * newNo}], line numbers from 1 (null on the side a line is not in); null when too different.
 */
export function diffLines(a, b, maxEdits = MAX_EDITS) {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let endA = a.length;
  let endB = b.length;
  while (endA > head && endB > head && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = myers(a.slice(head, endA), b.slice(head, endB), maxEdits);
  if (middle === null) return null;
  const ops = [
    ...a.slice(0, head).map((text) => ({ op: " ", text })),
    ...middle,
    ...a.slice(endA).map((text) => ({ op: " ", text })),
  ];
  let oldNo = 0;
  let newNo = 0;
  for (const line of ops) {
    line.oldNo = line.op === "+" ? null : ++oldNo;
    line.newNo = line.op === "-" ? null : ++newNo;
  }
  return ops;
}

function myers(a, b, maxEdits) {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ op: "+", text }));
  if (m === 0) return a.map((text) => ({ op: "-", text }));
  const max = Math.min(n + m, maxEdits);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace = []; // trace[d]: v[k] for k in [-d-1, d+1], as it was before step d
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b);
    }
  }
  return null;
}

function backtrack(trace, a, b) {
  const out = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const at = (k) => trace[d][k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      out.push({ op: " ", text: a[x] });
    }
    if (d > 0) {
      if (x === prevX) out.push({ op: "+", text: b[--y] });
      else out.push({ op: "-", text: a[--x] });
    }
  }
  return out.reverse();
}

/** Hunks of changed lines with CONTEXT lines around them: [{lines, skippedBefore}]. */
export function hunks(ops, context = CONTEXT) {
  const keep = new Array(ops.length).fill(false);
  ops.forEach((line, i) => {
    if (line.op === " ") return;
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) keep[j] = true;
  });
  const out = [];
  let skipped = 0;
  ops.forEach((line, i) => {
    if (!keep[i]) {
      skipped++;
      return;
    }
    if (!out.length || skipped) out.push({ lines: [], skippedBefore: skipped });
    skipped = 0;
    out[out.length - 1].lines.push(line);
  });
  return { hunks: out, skippedAfter: skipped };
}

const splitLines = (text) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));

/** The diff of two texts as a table (old and new line numbers, sign, line), with a summary. */
export function diffView(oldText, newText, { oldLabel, newLabel }) {
  const ops = diffLines(splitLines(oldText), splitLines(newText));
  if (ops === null) {
    return h("p", { class: "empty", id: "diff-summary" }, `The two versions differ in more than ${MAX_EDITS} lines: compare their contents instead.`);
  }
  const added = ops.filter((l) => l.op === "+").length;
  const removed = ops.filter((l) => l.op === "-").length;
  const summary = h(
    "p",
    { id: "diff-summary" },
    added || removed
      ? `${added} line${added === 1 ? "" : "s"} added, ${removed} removed, from ${oldLabel} to ${newLabel}.`
      : `${oldLabel} and ${newLabel} have the same content.`,
  );
  if (!added && !removed) return summary;
  const { hunks: parts, skippedAfter } = hunks(ops);
  const gap = (count) =>
    h("tr", { class: "gap" }, h("td", { colspan: 4 }, `${count} unchanged line${count === 1 ? "" : "s"}`));
  const sign = { "+": "added", "-": "removed", " ": "unchanged" };
  const rows = [];
  for (const part of parts) {
    if (part.skippedBefore) rows.push(gap(part.skippedBefore));
    for (const line of part.lines) {
      rows.push(
        h(
          "tr",
          { class: `line ${sign[line.op]}` },
          h("td", { class: "num" }, line.oldNo ?? ""),
          h("td", { class: "num" }, line.newNo ?? ""),
          h("td", { class: "sign" }, h("span", { "aria-hidden": "true" }, line.op), h("span", { class: "visually-hidden" }, sign[line.op])),
          h("td", { class: "text" }, line.op === "+" ? h("ins", {}, line.text) : line.op === "-" ? h("del", {}, line.text) : line.text),
        ),
      );
    }
  }
  if (skippedAfter) rows.push(gap(skippedAfter));
  return [
    summary,
    h(
      "div",
      { class: "diff-wrap", tabindex: "0", role: "region", "aria-label": `Changes from ${oldLabel} to ${newLabel}` },
      h(
        "table",
        { class: "diff", id: "diff" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, oldLabel), h("th", { scope: "col" }, newLabel), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Change")), h("th", { scope: "col" }, "Line"))),
        h("tbody", {}, rows),
      ),
    ),
  ];
}
