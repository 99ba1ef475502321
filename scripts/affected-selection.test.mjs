// Proves what CI's `turbo run lint typecheck test --affected` selects on a pull request: for a
// change in each workspace package, exactly that package and every package that depends on it
// (dependencies and devDependencies, transitively), as read from the package.json files here,
// independently of turbo. Runs offline in a throwaway git repository holding a copy of this
// checkout's files (uncommitted edits included): one commit per change, then turbo's dry run.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TASKS = ["lint", "typecheck", "test"];
const TURBO = createRequire(join(ROOT, "package.json")).resolve("turbo/bin/turbo");

/** The workspace packages named by pnpm-workspace.yaml (`dir/*` globs), keyed by name. */
function workspacePackages() {
  const yaml = readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8");
  const block = yaml.match(/^packages:\n((?:[ \t]+-.*\n?)+)/m)?.[1] ?? "";
  const globs = [...block.matchAll(/-\s*["']?([^"'\s]+)["']?/g)].map((m) => m[1]);
  const packages = new Map();
  for (const glob of globs) {
    assert.match(
      glob,
      /^[\w.-]+\/\*$/,
      `pnpm-workspace.yaml: this test reads "dir/*" globs only, not "${glob}"`,
    );
    const parent = glob.slice(0, -2);
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      const dir = `${parent}/${entry.name}`;
      if (!entry.isDirectory() || !existsSync(join(ROOT, dir, "package.json"))) continue;
      const json = JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8"));
      packages.set(json.name, { dir, json });
    }
  }
  return packages;
}

/** `name` and every workspace package depending on it, directly or through others. */
function withDependents(name, packages) {
  const dependsOn = (json, dep) =>
    ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"].some(
      (field) => json[field] && Object.hasOwn(json[field], dep),
    );
  const selected = new Set([name]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [other, { json }] of packages) {
      if (!selected.has(other) && [...selected].some((dep) => dependsOn(json, dep))) {
        selected.add(other);
        grew = true;
      }
    }
  }
  return selected;
}

/** The `pkg#task` ids turbo should run for `names`: only the tasks their package.json defines. */
function expectedTasks(names, packages) {
  const ids = [];
  for (const name of names) {
    for (const task of TASKS) if (packages.get(name).json.scripts?.[task]) ids.push(`${name}#${task}`);
  }
  return ids.sort();
}

/** One existing source file of the package in `dir`: src/index.ts, else the first file in src/. */
function sourceFile(dir) {
  if (existsSync(join(ROOT, dir, "src", "index.ts"))) return `${dir}/src/index.ts`;
  const first = readdirSync(join(ROOT, dir, "src"), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort()[0];
  assert.ok(first, `${dir}/src has no file to change`);
  return `${dir}/src/${first}`;
}

const packages = workspacePackages();
let repo;
let base;

/** Runs git in the throwaway repository, with no settings from the caller's repository or hooks. */
function git(...args) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GIT_")));
  return execFileSync(
    "git",
    [
      "-c",
      "user.name=affected-test",
      "-c",
      "user.email=affected-test@localhost",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    { cwd: repo, env, encoding: "utf8" },
  ).trim();
}

/** Commits `edit` (paths relative to the repository → text appended) on top of the base commit. */
function commitChange(edit) {
  git("reset", "-q", "--hard", base);
  for (const [path, text] of Object.entries(edit)) {
    const file = join(repo, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, (existsSync(file) ? readFileSync(file, "utf8") : "") + text);
  }
  git("add", "-A");
  git("commit", "-q", "-m", `change ${Object.keys(edit).join(", ")}`);
}

/** What `turbo run lint typecheck test --affected --dry=json` would run between base and HEAD. */
function affectedTasks() {
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_SCM_BASE: base, TURBO_SCM_HEAD: "HEAD" };
  for (const k of Object.keys(env)) if (k.startsWith("GIT_")) delete env[k];
  const out = execFileSync(process.execPath, [TURBO, "run", ...TASKS, "--affected", "--dry=json"], {
    cwd: repo,
    env,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const dry = JSON.parse(out);
  // Dependency builds come along through dependsOn; the selection is the requested tasks that exist.
  return dry.tasks
    .filter((t) => TASKS.includes(t.task) && t.command !== "<NONEXISTENT>")
    .map((t) => t.taskId)
    .sort();
}

before(() => {
  repo = mkdtempSync(join(tmpdir(), "cobuy-affected-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(repo, f));
  }
  // turbo looks for its own install in the repository it runs in.
  symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"), "dir");
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  base = git("rev-parse", "HEAD");
});

after(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("turbo --affected selects a changed package and its dependents", () => {
  it("finds the workspace packages this test is about", () => {
    for (const name of [
      "contracts",
      "core-math",
      "pipeline",
      "s3-export",
      "pg-loader",
      "test-utils",
      "api",
      "runner",
    ]) {
      assert.ok(packages.has(`@cobuy/${name}`), `@cobuy/${name} is not in the workspace`);
    }
  });

  for (const [name, { dir }] of packages) {
    it(`a source change in ${name}`, () => {
      commitChange({ [sourceFile(dir)]: "\n// affected-selection test\n" });
      assert.deepEqual(affectedTasks(), expectedTasks(withDependents(name, packages), packages));
    });
  }

  it("a README change in @cobuy/pipeline still selects it and its dependents", () => {
    commitChange({ "packages/pipeline/README.md": "\nA line.\n" });
    assert.deepEqual(affectedTasks(), expectedTasks(withDependents("@cobuy/pipeline", packages), packages));
  });

  it("a change to a global dependency (tsconfig.base.json) selects every package", () => {
    commitChange({ "tsconfig.base.json": "\n" });
    assert.deepEqual(affectedTasks(), expectedTasks(packages.keys(), packages));
  });

  it("a change outside every package and the global dependencies selects no package", () => {
    commitChange({ ".github/workflows/ci.yml": "\n# affected-selection test\n" });
    assert.deepEqual(affectedTasks(), []);
  });
});
