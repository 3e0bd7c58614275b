// The REST API, called with the signed-in user's key. The key lives in sessionStorage only:
// it is forgotten when the tab closes or the user signs out.

const KEY_ITEM = "contextd.apiKey";

export function getKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

export function setKey(key) {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

/** An error answered by the API: {error, message, code, requestId}, or a network failure. */
export class ApiError extends Error {
  constructor({ status, error, message, requestId, details, retryAfter }) {
    super(message);
    this.status = status;
    this.error = error;
    this.requestId = requestId;
    this.details = details || [];
    this.retryAfter = retryAfter;
  }
}

/**
 * Call the API. `path` is relative to the page ("v1/spaces"), so the dashboard also works
 * behind a proxy that serves contextd under a sub-path. Resolves to the parsed JSON body
 * (null for 204 and 404 when `allow404` is set); rejects with an ApiError.
 */
export async function api(path, { method = "GET", body, key = getKey(), allow404 = false } = {}) {
  const headers = { Accept: "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError({
      status: 0,
      error: "Network error",
      message: `The server could not be reached (${err.message}).`,
    });
  }
  if (response.status === 204) return null;
  if (response.status === 404 && allow404) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError({
      status: response.status,
      error: data?.error || response.statusText || "Error",
      message: data?.message || `The server answered ${response.status}.`,
      requestId: data?.requestId || response.headers.get("X-Request-Id"),
      details: data?.details,
      retryAfter: Number(response.headers.get("Retry-After")) || undefined,
    });
  }
  return data;
}

export const FINAL_STATUSES = new Set(["COMPLETED", "FAILED", "CANCELED"]);

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
