// Builds the portal into the Python package (src/reclaim/service/static/portal), which
// `reclaim serve` serves at / and the wheel carries. Nothing is fetched at run time.
import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [vue()],
  base: "/portal/",
  build: {
    outDir: fileURLToPath(new URL("../src/reclaim/service/static/portal", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 3000,
  },
});
