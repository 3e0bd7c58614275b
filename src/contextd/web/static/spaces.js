// The spaces the key can see, a page at a time, and the form that creates one.
//   #/[?page=N&per_page=N]

import { api, query } from "./api.js";
import { formatDate, h } from "./dom.js";
import { spaceHref, spacesHref } from "./links.js";
import { act, isCurrent, page, pager } from "./shell.js";

export async function renderSpaces(gen, { page: pageNo, perPage, size }) {
  const data = await api(`v1/spaces${query({ page: pageNo, per_page: size })}`);
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
    : h(
        "p",
        { class: "empty" },
        data.pagination.total ? "No spaces on this page." : "No spaces yet: create one below.",
      );
  const more = pager(data.pagination, (n) => spacesHref({ page: n, per_page: perPage }), "spaces");

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
