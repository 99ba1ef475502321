import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The page: plain TypeScript + CSS, no framework and no external network; built into dist/public,
// which the API serves at "/".
export default defineConfig({
  root: fileURLToPath(new URL("./web/", import.meta.url)),
  base: "/",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("./dist/public/", import.meta.url)),
    emptyOutDir: true,
    target: "es2020",
    assetsInlineLimit: 0,
  },
  server: { proxy: { "/v1": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080" } },
});
