// The portal's one way to the service: the client generated from /openapi.json (src/client),
// on the same origin. A refusal comes back as the API's body (`field`, `value`, `reason`).
import { client } from "./client/client.gen";

client.setConfig({ baseUrl: "", credentials: "same-origin" });

/** The data of a call, or throw its refusal body (with the HTTP status) for the page to show. */
export async function call(operation, options = {}) {
  const { data, error, response } = await operation({ ...options, client });
  if (error !== undefined) throw Object.assign(new Error(error.reason ?? String(response?.status)), { body: error, status: response?.status });
  return data;
}
