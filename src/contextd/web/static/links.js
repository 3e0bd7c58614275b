// The hash routes of the views kept outside app.js, so those modules can link to each other
// without importing each other.

import { query } from "./api.js";

const enc = encodeURIComponent;

/** A source's turns; with `turn`, the page holding that turn, focused on it. */
export function turnsHref(sourceId, { turn, page, perPage, thinking } = {}) {
  return `#/sources/${enc(sourceId)}/turns${query({ page, per_page: perPage, turn, thinking: thinking ? 1 : undefined })}`;
}

/** One artifact version, with its lineage's other versions; with `compare`, its diff with that one. */
export const artifactHref = (id, { compare } = {}) => `#/artifacts/${enc(id)}${query({ compare })}`;

/** The element id of a turn in the turns view. */
export const turnId = (index) => `turn-${index}`;
