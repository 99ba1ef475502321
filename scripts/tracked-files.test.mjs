// Checks over every file git tracks that no package's own tests can see: a merge that
// left conflict markers in a README (it happened once) fails here, not in a reader's eyes.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const root = new URL("..", import.meta.url);
const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((path) => /\.(md|ts|mts|mjs|js|json|yml|yaml|sql|html|css)$/.test(path));

test("no tracked text file holds merge conflict markers", () => {
  const found = [];
  for (const path of tracked) {
    const lines = readFileSync(new URL(path, root), "utf8").split("\n");
    lines.forEach((line, index) => {
      if (/^(<{7} |>{7} |={7}$)/.test(line)) found.push(`${path}:${index + 1}: ${line}`);
    });
  }
  assert.deepEqual(found, []);
});
