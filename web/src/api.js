// The portal's one way to the service: the client generated from /openapi.json (src/client),
// on the same origin. A refusal comes back as the API's body (`field`, `value`, `reason`, `code`).
// The session lives in an HttpOnly cookie the page cannot read; writes echo the readable CSRF
// cookie in the X-CSRF-Token header (double submit), as the service requires of cookie sessions.
import { client } from "./client/client.gen";
import { lang } from "./i18n/index.js";
import labels from "./i18n/labels.json";

const CSRF_COOKIE = "reclaim_csrf";
const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

client.setConfig({ baseUrl: "", credentials: "same-origin" });

function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found === undefined ? null : decodeURIComponent(found.slice(name.length + 1));
}

client.interceptors.request.use((request) => {
  const token = cookie(CSRF_COOKIE);
  if (token !== null && !SAFE_METHODS.includes(request.method)) request.headers.set(CSRF_HEADER, token);
  return request;
});

/** A refusal in the reader's language: the catalogue's `code.<code>` entry, else the API's
 * own `reason` (which names what is allowed). */
export function refusalText(body) {
  const entry = labels[`code.${body?.code}`];
  return entry ? entry[lang.value] : (body?.reason ?? "");
}

/** The data of a call, or throw its refusal body (with the HTTP status) for the page to show. */
export async function call(operation, options = {}) {
  const { data, error, response } = await operation({ ...options, client });
  if (error !== undefined) throw Object.assign(new Error(refusalText(error) || String(response?.status)), { body: error, status: response?.status });
  return data;
}

/** Where a form shows a refusal: the API's `field` (its last part) when the form has it, else
 * `fallback`. */
export function fieldOf(error, fields, fallback) {
  const field = error.body?.field?.split(".").pop();
  return fields.includes(field) ? field : fallback;
}
