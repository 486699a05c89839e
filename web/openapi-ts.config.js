// The portal's API client is generated from the service's OpenAPI document (never written by
// hand): `npm run gen-client` writes web/openapi.json from the Python app, then src/client.
// tests/web/test_generated_client.py fails when the committed client is stale.
import { fileURLToPath } from "node:url";

export default {
  input: process.env.RECLAIM_OPENAPI ?? fileURLToPath(new URL("openapi.json", import.meta.url)),
  output: { path: process.env.RECLAIM_CLIENT_OUT ?? "src/client", clean: true, format: false, lint: false },
  plugins: [{ name: "@hey-api/client-fetch", baseUrl: false }],
};
