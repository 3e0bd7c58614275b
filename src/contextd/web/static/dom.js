// Building DOM safely. Every string given to h() becomes a text node or an attribute value,
// never markup, so names, snippets and content from the API cannot inject HTML.

import hljs from "./vendor/highlight.min.js";

/**
 * h("a", {href: "#/", class: "x", onclick: fn}, "text", child, [more children])
 * Attributes starting with "on" take functions; `false`, null and undefined are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) {
      if (typeof value !== "function") throw new TypeError(`${name} must be a function`);
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A search snippet whose query terms the server wrapped in <mark>…</mark>. The rest of the
 * snippet is untrusted text: only those two exact tags are turned into elements.
 */
export function highlighted(snippet) {
  const parts = [];
  const pattern = /<mark>([\s\S]*?)<\/mark>/g;
  let last = 0;
  for (const match of snippet.matchAll(pattern)) {
    if (match.index > last) parts.push(snippet.slice(last, match.index));
    parts.push(h("mark", {}, match[1]));
    last = match.index + match[0].length;
  }
  if (last < snippet.length) parts.push(snippet.slice(last));
  return parts;
}

/**
 * A <pre><code> block with syntax highlighting by highlight.js. highlight.js escapes the code
 * itself and returns markup made only of its own <span class="hljs-…"> elements; that output
 * is the one thing this page ever assigns as HTML.
 */
export function codeBlock(content, language) {
  const code = h("code", { class: "hljs" });
  const lang = (language || "").toLowerCase();
  let result = null;
  try {
    if (lang && hljs.getLanguage(lang)) {
      result = hljs.highlight(content, { language: lang, ignoreIllegals: true });
    } else if (content.length < 100_000) {
      result = hljs.highlightAuto(content);
    }
  } catch {
    result = null;
  }
  if (result) {
    code.innerHTML = result.value;
    code.classList.add(`language-${result.language || lang || "plaintext"}`);
    code.dataset.highlighted = "yes";
  } else {
    code.textContent = content;
  }
  return h("pre", { class: "code" }, code);
}

/** Copy text to the clipboard; falls back to a hidden textarea where the Clipboard API is missing. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // permission refused: try the fallback
    }
  }
  const area = h("textarea", { readonly: true, class: "offscreen", "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  area.select();
  try {
    if (!document.execCommand("copy")) throw new Error("copy refused");
  } finally {
    area.remove();
  }
}

/** A "Copy" button for `getText()`, showing "Copied" (or "Copy failed") for a moment. */
export function copyButton(getText, label = "Copy") {
  const button = h("button", { type: "button", class: "copy" }, label);
  const status = h("span", { class: "visually-hidden", role: "status" });
  let timer;
  button.addEventListener("click", async () => {
    clearTimeout(timer);
    let done = "Copied";
    try {
      await copyText(getText());
    } catch {
      done = "Copy failed";
    }
    button.textContent = done;
    button.classList.toggle("copied", done === "Copied");
    status.textContent = done;
    timer = setTimeout(() => {
      button.textContent = label;
      button.classList.remove("copied");
      status.textContent = "";
    }, 2000);
  });
  return h("span", { class: "copy-wrap" }, button, status);
}

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function statusBadge(status) {
  return h(
    "span",
    { class: `badge status-${String(status).toLowerCase()}`, dataset: { status } },
    status,
  );
}

/** The mark of a pinned source (pinned sources are listed first). */
export function pinMarker() {
  return h("span", { class: "badge pin", title: "Pinned: listed first" }, "Pinned");
}
