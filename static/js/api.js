// The JSON API as every page calls it (the live pages, the reader, the minutes): paths under /api/v1, the
// session cookie, the CSRF token on unsafe methods. A refusal becomes an ApiError carrying the server's
// status, code, message, field and details ({"error": {...}} in API.md); no network: status 0, code "network".

import { csrfToken } from "./forms.js";

export const API_ROOT = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message, field, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details ?? {};
  }
}

/** `api("POST", "/polls/3/ballots", {option})` → the answer's JSON (null for 204; a Blob with raw). */
export async function api(method, path, body, { raw = false, signal } = {}) {
  const headers = { Accept: raw ? "application/pdf, application/json" : "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`${API_ROOT}${path}`, {
      method, headers, signal, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "");
  }
  if (response.status === 204) return null;
  if (!response.ok) {
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      // not JSON (a proxy's error page): the status alone
    }
    const error = payload?.error ?? {};
    throw new ApiError(response.status, error.code ?? `http_${response.status}`, error.message ?? "", error.field,
      error.details);
  }
  return raw ? response.blob() : response.json();
}

/** A UUID for a new object made offline; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newClientId() {
  if (globalThis.crypto?.randomUUID) {
    try {
      return crypto.randomUUID();
    } catch {
      // insecure context: fall through
    }
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
