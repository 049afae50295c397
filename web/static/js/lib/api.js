// lib/api.js: talking to /api/v1 from a signed-in page. The CSRF token has one source, the
// <meta name="csrf-token"> base.html writes for a signed-in facilitator; a failed request throws
// an Error with .status, .message (the server's error message) and .body (its JSON).

export async function fetchJSON(url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", ...options });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.error?.message || `Request failed (${response.status})`);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

/** One request with the CSRF token; `body` is sent as JSON, or as it is when it is FormData. */
export function api(method, url, body) {
  const headers = { "X-CSRF-Token": csrfToken() };
  if (body === undefined || body instanceof FormData) return fetchJSON(url, { method, headers, body });
  headers["Content-Type"] = "application/json";
  return fetchJSON(url, { method, headers, body: JSON.stringify(body) });
}
