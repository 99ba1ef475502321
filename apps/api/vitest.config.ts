import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/**/*.int.test.ts"] },
      },
      {
        // Real PostgreSQL, PGlite and Chromium: one file at a time on the shared cores.
        extends: true,
        test: { name: "int", include: ["test/**/*.int.test.ts"], fileParallelism: false },
      },
    ],
  },
});
