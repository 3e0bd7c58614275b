// The hash routes of the views kept outside app.js, so those modules can link to each other
// without importing each other.

import { query } from "./api.js";

const enc = encodeURIComponent;

/** A source's turns; with `turn`, the page holding that turn, focused on it. */
export function turnsHref(sourceId, { turn, page, perPage, thinking } = {}) {
  return `#/sources/${enc(sourceId)}/turns${query({ page, per_page: perPage, turn, thinking: thinking ? 1 : undefined })}`;
}

/** One artifact version, with its lineage's other versions. */
export const artifactHref = (id) => `#/artifacts/${enc(id)}`;

/** The element id of a turn in the turns view. */
export const turnId = (index) => `turn-${index}`;
