// The hash routes of the dashboard's views (app.js routes them), and the name a link to a source
// shows, so the view modules can link to each other without importing each other.

import { query } from "./api.js";

const enc = encodeURIComponent;

export const spacesHref = (paging = {}) => `#/${query(paging)}`;
export const spaceHref = (id, collection, extra = {}) => `#/spaces/${enc(id)}${query({ collection, ...extra })}`;
export const sourceHref = (id) => `#/sources/${enc(id)}`;
export const searchHref = (spaceId, q, mode) => `#/spaces/${enc(spaceId)}/search${query({ q, mode })}`;

/** A source's turns; with `turn`, the page holding that turn, focused on it. */
export function turnsHref(sourceId, { turn, page, perPage, thinking } = {}) {
  return `#/sources/${enc(sourceId)}/turns${query({ page, per_page: perPage, turn, thinking: thinking ? 1 : undefined })}`;
}

/** One artifact version, with its lineage's other versions; with `compare`, its diff with that one. */
export const artifactHref = (id, { compare } = {}) => `#/artifacts/${enc(id)}${query({ compare })}`;

/** The element id of a turn in the turns view. */
export const turnId = (index) => `turn-${index}`;

/** What a source is called in links, headings and breadcrumbs: its name, else its title, else its id. */
export function sourceLabel(source) {
  return source.name || source.title || source.id;
}
