// The sign-in form, shown whenever this tab holds no API key. The key is checked with one API call
// before it is kept (api.js keeps it in session storage only).

import { api, query, setKey } from "./api.js";
import { h } from "./dom.js";
import { act, page, rerender } from "./shell.js";

export function renderSignIn() {
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
          await rerender();
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
