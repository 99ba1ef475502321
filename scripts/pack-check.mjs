#!/usr/bin/env node
// pack-check: packs every published package the way `pnpm publish` would, and loads the tarballs
// from outside the workspace, so `workspace:` ranges, missing `dist` files, stale build output,
// undeclared dependencies and broken .d.ts files never ship (style.md: "Check what you publish").
//
//   node scripts/pack-check.mjs [--no-build] [--keep]
//
// Steps: build the packages (turbo, cached) → `pnpm pack` each non-private package under packages/
// into a temp dir → read the tarball (zlib + the small tar reader below) → static checks on the
// packed package.json and file list → a throwaway consumer project in the temp dir whose
// node_modules holds the extracted tarballs (siblings resolve to the PACKED copies) and each
// package's third-party dependencies symlinked from the workspace's installed copies (no network)
// → run a consumer script with plain `node` that makes one real call per package → typecheck a
// consumer .ts file against the packed .d.ts files with the workspace's TypeScript (NodeNext,
// skipLibCheck off). One line per package; exit code 1 with the reasons on any failure.
//
// Plain Node ESM, no dependencies beyond the workspace's `typescript`; never talks to a registry.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const PACKAGES_DIR = path.join(ROOT, "packages");
const PREFIX = "pack-check:";

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!["--no-build", "--keep", "--help", "-h"].includes(a)) usage(`unknown option ${a}`);
}
if (args.has("--help") || args.has("-h")) usage();

function usage(error) {
  const text = `usage: node scripts/pack-check.mjs [--no-build] [--keep]
  --no-build  skip \`pnpm turbo run build --filter "./packages/*"\` (dist must be up to date)
  --keep      keep the temp dir (tarballs, consumer project) and print its path`;
  if (error) {
    console.error(`${PREFIX} ${error}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// small helpers

class CheckError extends Error {}

function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", ...options.env },
  });
  if (r.error) throw new CheckError(`could not run ${cmd}: ${r.error.message}`);
  return r;
}

function tail(text, lines = 40) {
  const all = String(text ?? "")
    .trimEnd()
    .split("\n");
  return all.slice(-lines).join("\n");
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Every string leaf of a JSON value with its path (`dependencies["x"]`). */
function* stringLeaves(value, at = "") {
  if (typeof value === "string") yield [at, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* stringLeaves(v, `${at}[${i}]`);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value))
      yield* stringLeaves(v, at ? `${at}[${JSON.stringify(k)}]` : k);
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageNameOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const BUILTINS = new Set(builtinModules);
function isBuiltin(specifier) {
  return specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(packageNameOf(specifier));
}

/** Minimal semver: does `version` satisfy `range` (`^x.y.z`, `~x.y.z`, `x.y.z`, `>=x.y.z`, `*`)? */
function satisfies(version, range) {
  const parse = (v) => {
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  };
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const v = parse(version);
  if (!v) return false;
  if (range === "*" || range === "") return true;
  const m = /^(\^|~|>=|=)?\s*(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!m) return null; // unknown syntax: the caller reports it
  const r = parse(m[2]);
  if (cmp(v, r) < 0) return false;
  switch (m[1]) {
    case "^":
      if (r[0] > 0) return v[0] === r[0];
      if (r[1] > 0) return v[0] === 0 && v[1] === r[1];
      return v[0] === 0 && v[1] === 0 && v[2] === r[2];
    case "~":
      return v[0] === r[0] && v[1] === r[1];
    case ">=":
      return true;
    default:
      return cmp(v, r) === 0;
  }
}

// ---------------------------------------------------------------------------------------------
// a minimal tar reader (ustar + pax `path` + GNU long names), enough for npm/pnpm tarballs

function parsePax(data) {
  const out = {};
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(off, space).toString("ascii"), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, off + len - 1).toString("utf8"); // drop the trailing \n
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    off += len;
  }
  return out;
}

function* readTar(buf, label) {
  let off = 0;
  let pax = null;
  let longName = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return;
    const field = (from, to) => {
      const s = h.subarray(from, to);
      const z = s.indexOf(0);
      return s.subarray(0, z < 0 ? s.length : z).toString("utf8");
    };
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== Number.parseInt(field(148, 156).trim(), 8)) {
      throw new CheckError(`${label}: bad tar header checksum at byte ${off}`);
    }
    const size = Number.parseInt(field(124, 136).trim() || "0", 8);
    const type = h[156] === 0 ? "0" : String.fromCharCode(h[156]);
    let name = field(0, 100);
    const prefix = field(257, 262) === "ustar" ? field(345, 500) : "";
    if (prefix) name = `${prefix}/${name}`;
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      pax = parsePax(data);
      continue;
    }
    if (type === "g") continue;
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0[\s\S]*$/, "");
      continue;
    }
    if (pax?.path) name = pax.path;
    else if (longName) name = longName;
    pax = null;
    longName = null;
    yield { name, type, data };
  }
}

/** Extracts `<tgz>` into `dest` (the `package/` prefix stripped); returns the files and their sizes. */
function extractPackage(tgz, dest) {
  const label = path.basename(tgz);
  const files = new Map();
  for (const entry of readTar(gunzipSync(fs.readFileSync(tgz)), label)) {
    const norm = path.posix.normalize(entry.name);
    if (!norm.startsWith("package/") || norm.split("/").includes("..") || path.posix.isAbsolute(norm)) {
      throw new CheckError(`${label}: unexpected entry "${entry.name}" (everything must be under package/)`);
    }
    const rel = norm.slice("package/".length);
    if (entry.type === "5") {
      fs.mkdirSync(path.join(dest, rel), { recursive: true });
      continue;
    }
    if (entry.type !== "0" && entry.type !== "7") {
      throw new CheckError(
        `${label}: entry "${rel}" has tar type "${entry.type}" (links do not survive npm install)`,
      );
    }
    const out = path.join(dest, rel);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, entry.data);
    files.set(rel, entry.data.length);
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// static checks on one packed package

const ALLOWED_TOP = /^(package\.json|README(\.md)?|CHANGELOG(\.md)?|LICEN[SC]E(\.md|\.txt)?)$/i;
const LEFTOVER =
  /(^|\/)(__tests__|__mocks__|test|tests|fixtures|bench)\/|\.(test|spec|bench|int\.test)\.[cm]?[jt]sx?(\.map)?$|\.tsbuildinfo$/;
const DEP_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies"];

function listSome(items, n = 4) {
  return items.length <= n ? items.join(", ") : `${items.slice(0, n).join(", ")}, … ${items.length - n} more`;
}

function exportTargets(exp, at = "exports") {
  if (typeof exp === "string") return [[at, exp]];
  if (Array.isArray(exp)) return exp.flatMap((e, i) => exportTargets(e, `${at}[${i}]`));
  if (exp && typeof exp === "object") {
    return Object.entries(exp).flatMap(([k, v]) => exportTargets(v, `${at}[${JSON.stringify(k)}]`));
  }
  return [];
}

/** Condition objects where `types` is present but not first (TypeScript would never pick it). */
function typesNotFirst(exp, at = "exports") {
  if (!exp || typeof exp !== "object" || Array.isArray(exp)) return [];
  const keys = Object.keys(exp);
  const own = keys.includes("types") && keys[0] !== "types" && !keys[0].startsWith(".") ? [at] : [];
  return own.concat(keys.flatMap((k) => typesNotFirst(exp[k], `${at}[${JSON.stringify(k)}]`)));
}

function staticChecks(pkg, files, extracted, ts, problems) {
  const manifest = readJson(path.join(extracted, "package.json"));
  const has = (p) => files.has(p.replace(/^\.\//, ""));

  // 1. no workspace:/catalog:/link:/file: ranges anywhere
  for (const [at, value] of stringLeaves(manifest)) {
    if (value.includes("workspace:"))
      problems.push(`packed package.json still has a workspace range: ${at} = "${value}"`);
  }
  for (const field of [...DEP_FIELDS, "devDependencies"]) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(catalog|link|file|portal):/.test(range)) {
        problems.push(
          `packed package.json: ${field}["${dep}"] = "${range}" cannot be installed from a registry`,
        );
      }
    }
  }

  // 2. every path named by exports/main/types exists in the tarball
  if (!manifest.exports) problems.push(`package.json has no "exports"`);
  for (const [at, target] of exportTargets(manifest.exports)) {
    if (!target.startsWith("./")) {
      problems.push(`${at} = "${target}" must start with "./"`);
    } else if (target.includes("*")) {
      const re = new RegExp(
        `^${target
          .slice(2)
          .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".+")}$`,
      );
      if (![...files.keys()].some((f) => re.test(f)))
        problems.push(`${at} = "${target}" matches no file in the tarball`);
    } else if (!has(target)) {
      problems.push(`${at} = "${target}" is not in the tarball (build first? is it in "files"?)`);
    }
  }
  for (const field of ["main", "module", "types", "typings"]) {
    if (typeof manifest[field] === "string" && !has(path.posix.normalize(manifest[field]))) {
      problems.push(`"${field}": "${manifest[field]}" is not in the tarball`);
    }
  }
  for (const at of typesNotFirst(manifest.exports)) {
    problems.push(`${at}: "types" must be the first condition (TypeScript stops at the first match)`);
  }

  // 3. only dist + README/package.json/CHANGELOG/LICENSE; no test/bench/src leftovers; no stale output
  const outside = [...files.keys()].filter(
    (f) => !(f.includes("/") ? f.startsWith("dist/") : ALLOWED_TOP.test(f)),
  );
  if (outside.length) {
    problems.push(
      `ships ${outside.length} file(s) outside dist/ (${listSome(outside)}): only dist/, README, CHANGELOG, LICENSE and package.json belong in the package (check "files")`,
    );
  }
  const leftovers = [...files.keys()].filter((f) => f.startsWith("dist/") && LEFTOVER.test(f));
  if (leftovers.length) problems.push(`ships test/bench leftovers in dist/: ${listSome(leftovers)}`);
  const srcDir = path.join(pkg.dir, "src");
  if (fs.existsSync(srcDir)) {
    for (const f of files.keys()) {
      const m = /^dist\/(.+)\.d\.[cm]?ts$/.exec(f) ?? /^dist\/(.+)\.[cm]?js$/.exec(f);
      if (!m) continue;
      const stem = m[1];
      const sources = [".ts", ".tsx", ".mts", ".js", ".mjs"].map((e) => path.join(srcDir, stem + e));
      if (!sources.some((s) => fs.existsSync(s))) {
        problems.push(
          `ships "${f}" but src/${stem}.ts does not exist: stale build output (clean dist/ before building)`,
        );
      }
    }
  }

  // 4. imports inside the tarball: relative ones exist, bare ones are declared dependencies
  const declared = new Set(DEP_FIELDS.flatMap((f) => Object.keys(manifest[f] ?? {})));
  for (const [f] of files) {
    const isDts = /\.d\.[cm]?ts$/.test(f);
    if (!isDts && !/\.[cm]?js$/.test(f)) continue;
    const text = fs.readFileSync(path.join(extracted, f), "utf8");
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const { fileName: spec } of importedFiles) {
      if (spec.startsWith(".")) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), spec));
        const candidates = isDts
          ? [target, target.replace(/\.([cm]?)js$/, ".d.$1ts"), `${target}.d.ts`]
          : [target];
        if (!candidates.some((c) => files.has(c)))
          problems.push(`${f} imports "${spec}", which is not in the tarball`);
      } else if (!isBuiltin(spec)) {
        const name = packageNameOf(spec);
        if (name === manifest.name) continue;
        const typesName = `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`;
        if (declared.has(name) || (isDts && declared.has(typesName))) continue;
        const where = manifest.devDependencies?.[name] ? " (it is only a devDependency)" : "";
        problems.push(`${f} imports "${spec}" but "${name}" is not in dependencies${where}`);
      }
    }
  }
  return manifest;
}

// ---------------------------------------------------------------------------------------------
// the consumer project

const CONSUMER_SCRIPT = String.raw`
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const results = {};
const report = () => process.stdout.write(JSON.stringify(results) + "\n");
const step = async (name, needs, fn) => {
  const missing = needs.filter((n) => results[n] !== "ok");
  if (missing.length) return (results[name] = "not run: the step needs " + missing.join(", ") + ", which failed");
  try {
    const resolved = fileURLToPath(import.meta.resolve(name));
    const inside = path.join(here, "node_modules", name) + path.sep;
    assert.ok(resolved.startsWith(inside), name + " resolved to " + resolved + ", not the packed copy");
    await fn(await import(name));
    results[name] = "ok";
  } catch (e) {
    // the message, then the first frame inside a packed package (where it broke)
    const frame = String(e?.stack ?? "").split("\n").find((l) => l.trim().startsWith("at ") && l.includes("/node_modules/@cobuy/"));
    results[name] = String(e?.message ?? e).split("\n").slice(0, 6).join("\n") + (frame ? "\n" + frame.trim() : "");
  }
};
const scratch = mkdtempSync(path.join(here, "scratch-")); // inside the temp dir pack-check removes
let workers = 0;
process.on("worker", () => workers++);

await step("@cobuy/contracts", [], async (m) => {
  assert.equal(m.makeRunId(new Date("2025-01-31T12:00:00Z"), "packcheck"), "2025-01-31_12-00-00_packcheck");
  assert.equal(m.checkK(undefined), m.DEFAULT_K);
  assert.throws(() => m.checkK(0), (e) => e.code === "COBUY_CONTRACT_INVALID");
  assert.throws(() => m.parseManifest({ format: m.MANIFEST_FORMAT, runId: "latest" }), /invalid run id/);
  assert.equal(m.quoteIdentifier("order_id", "order column"), '"order_id"');
});

// orders: {0,1}×3, {0,2}, {2,3}×2, {1,3} → C rows: 0:[0,3,1,0] 1:[3,0,0,1] 2:[1,0,0,2] 3:[0,1,2,0]
// cosine(0,3) = (3·1 + 1·2) / (√10·√5) = 5/√50; every other pair with 0 is 0 → top-1 of 0 is 3.
await step("@cobuy/core-math", [], async (m) => {
  const lineOrder = Uint32Array.of(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6);
  const lineProduct = Uint32Array.of(0, 1, 0, 1, 0, 1, 0, 2, 2, 3, 2, 3, 1, 3);
  const a = m.buildIncidence(lineOrder, lineProduct, 7, 4, "count");
  const c = m.cooccurrence(a);
  const top = await m.cosineTopK(c, m.productSupport(a), { k: 2, threads: 2 });
  assert.equal(workers, 2, "cosineTopK with threads: 2 should start 2 workers from the packed dist");
  assert.ok(top.length[0] >= 1, "product 0 has no list");
  assert.equal(top.ids[0], 3, "top-1 of product 0");
  assert.ok(Math.abs(top.scores[0] - 5 / Math.sqrt(50)) < 1e-12, "score " + top.scores[0]);
  const ref = m.cosineTopKSync(c, m.productSupport(a), { k: 2 });
  assert.deepEqual(Array.from(top.ids), Array.from(ref.ids), "wasm kernel vs TypeScript reference");
});

let built;
let runDir;
const runId = "2025-01-31_12-00-00_packcheck";
await step("@cobuy/pipeline", ["@cobuy/core-math"], async (m) => {
  const csv = "order_id,product_id,category\n" +
    "o1,P1,C1\no1,P2,C1\no2,P1,C1\no2,P2,C1\no3,P1,C1\no3,P3,C2\no4,P3,C2\no4,P4,C2\no5,P2,C1\no5,P4,C2\n";
  const index = await m.readSales(Readable.from([Buffer.from(csv)]), { name: "tiny.csv" });
  assert.equal(index.rows, 10);
  assert.deepEqual(index.productIds, ["P1", "P2", "P3", "P4"]);
  const result = await m.recommendFromIndex(index, { k: 3, threads: 1 });
  const list = Array.from(result.topk.ids.subarray(0, result.topk.length[0]), (q) => index.productIds[q]);
  assert.ok(list.length > 0 && !list.includes("P1"), "P1's list: " + JSON.stringify(list));
  runDir = path.join(scratch, "out");
  const written = await m.writeDocuments(runDir, { ...result, runId });
  assert.ok(written.some((f) => f.name === "recs.rich.json"), "writeDocuments wrote " + written.map((f) => f.name));
  built = { index, result, written, top1: list[0] };
});

let storeRoot;
await step("@cobuy/s3-export", ["@cobuy/pipeline"], async (m) => {
  storeRoot = path.join(scratch, "bucket");
  const store = m.openStore(storeRoot);
  assert.ok(store instanceof m.LocalFolderStore, "openStore(folder) should give a LocalFolderStore");
  const files = built.written.map((f) => ({ name: f.name, path: f.path }));
  const published = await m.publishRun(store, { runId, files, counts: { rows: built.index.rows } });
  assert.equal(published.runId, runId);
  const manifest = await m.readManifest(new m.LocalFolderStore(storeRoot, { createRoot: false }), "latest");
  assert.equal(manifest.runId, runId);
  assert.deepEqual(manifest.files.map((f) => f.name).sort(), files.map((f) => f.name).sort());
});

await step("@cobuy/pg-loader", ["@cobuy/s3-export"], async (m) => {
  const db = await m.openDatabase({ kind: "pglite", dataDir: path.join(scratch, "pglite") });
  try {
    const { error } = await m.migrate(db);
    if (error) throw error;
    const loaded = await m.loadRun(db, path.join(storeRoot, runId), { requireManifest: true });
    assert.equal(loaded.runId, runId);
    assert.equal(loaded.checksums, "verified");
    const similar = await m.similarProducts(db, "P1", { k: 3 });
    assert.ok(similar && similar.items.length > 0, "similarProducts(P1) is empty");
    assert.equal(similar.items[0].id, built.top1, "top-1 of P1 in the database vs the pipeline");
  } finally {
    await db.close();
  }
});

report();
process.exit(0);
`;

const CONSUMER_TYPES = `import { buildIncidence, type CsrMatrix, cooccurrence, cosineTopK, type TopKResult } from "@cobuy/core-math";
import {
  type BuildResult,
  readSales,
  recommendFromIndex,
  type SalesIndex,
  type WrittenDocument,
  writeDocuments,
} from "@cobuy/pipeline";
import { type LoadResult, loadRun, migrate, openDatabase, type SimilarProducts, similarProducts } from "@cobuy/pg-loader";
import { LocalFolderStore, type ObjectStore, openStore, publishRun, readManifest } from "@cobuy/s3-export";
import { makeRunId, parseManifest, RICH_FORMAT, type RichRecsDocument, type RunManifest } from "@cobuy/contracts";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";

export async function consume(dir: string): Promise<[TopKResult, RunManifest, LoadResult, SimilarProducts | null]> {
  const a: CsrMatrix = buildIncidence(Uint32Array.of(0, 0), Uint32Array.of(0, 1), 1, 2, "count");
  const top: TopKResult = await cosineTopK(cooccurrence(a), [1, 1], { k: 1, threads: 2 });
  const index: SalesIndex = await readSales(Readable.from(["order_id,product_id\\n1,A\\n1,B\\n"]));
  const built: BuildResult = await recommendFromIndex(index, { k: 1 });
  const runId: string = makeRunId(new Date("2025-01-31T12:00:00Z"));
  const written: WrittenDocument[] = await writeDocuments(\`\${dir}/out\`, { ...built, runId });
  const rich: RichRecsDocument = JSON.parse(readFileSync(\`\${dir}/out/recs.rich.json\`, "utf8"));
  if (rich.format !== RICH_FORMAT) throw new Error(rich.format);
  const store: ObjectStore = openStore(\`\${dir}/bucket\`);
  const local: LocalFolderStore = new LocalFolderStore(\`\${dir}/bucket\`);
  await publishRun(store, { runId, files: written.map((w) => ({ name: w.name, path: w.path })) });
  const manifest: RunManifest = parseManifest(await readManifest(local, "latest"));
  const db = await openDatabase({ kind: "pglite", dataDir: \`\${dir}/pglite\` });
  const { error } = await migrate(db);
  if (error) throw error;
  const loaded: LoadResult = await loadRun(db, \`\${dir}/bucket/\${manifest.runId}\`);
  const similar: SimilarProducts | null = await similarProducts(db, "A", { k: 1 });
  await db.close();
  return [top, manifest, loaded, similar];
}
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ["node"],
  },
  files: ["consumer.ts"],
};

/** Symlinks `name` into `nodeModules`, pointing at the workspace's installed copy (realpath). */
function linkFromWorkspace(name, fromDirs, nodeModules) {
  for (const from of fromDirs) {
    const installed = path.join(from, "node_modules", name);
    if (!fs.existsSync(installed)) continue;
    const real = fs.realpathSync(installed);
    if (real.startsWith(PACKAGES_DIR + path.sep) || real.startsWith(path.join(ROOT, "apps") + path.sep)) {
      throw new CheckError(
        `dependency "${name}" resolves to the workspace package ${path.relative(ROOT, real)}`,
      );
    }
    const link = path.join(nodeModules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(real, link, "dir");
    return;
  }
  throw new CheckError(
    `dependency "${name}" is not installed in ${fromDirs.map((d) => path.relative(ROOT, d) || ".").join(" or ")} (run pnpm install)`,
  );
}

// ---------------------------------------------------------------------------------------------
// main

function listPackages() {
  return fs
    .readdirSync(PACKAGES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(PACKAGES_DIR, d.name, "package.json")))
    .map((d) => {
      const dir = path.join(PACKAGES_DIR, d.name);
      return { dir, folder: d.name, json: readJson(path.join(dir, "package.json")) };
    })
    .filter((p) => !p.json.private)
    .sort((a, b) => a.json.name.localeCompare(b.json.name));
}

function build() {
  const r = run("pnpm", ["turbo", "run", "build", "--filter", "./packages/*", "--output-logs=errors-only"], {
    cwd: ROOT,
  });
  if (r.status !== 0) {
    throw new CheckError(
      `build failed (pnpm turbo run build --filter "./packages/*"):\n${tail(r.stdout + r.stderr)}`,
    );
  }
}

function pack(pkg, dest) {
  const r = run("pnpm", ["pack", "--pack-destination", dest, "--json"], { cwd: pkg.dir });
  if (r.status !== 0) throw new CheckError(`pnpm pack failed:\n${tail(r.stdout + r.stderr)}`);
  const json = r.stdout.slice(r.stdout.indexOf("{"));
  let filename;
  try {
    filename = JSON.parse(json).filename;
  } catch {
    throw new CheckError(`could not read pnpm pack's output:\n${tail(r.stdout)}`);
  }
  const tgz = path.isAbsolute(filename) ? filename : path.join(dest, path.basename(filename));
  if (!fs.existsSync(tgz)) throw new CheckError(`pnpm pack reported ${filename}, which does not exist`);
  return tgz;
}

/** Which package a tsc diagnostic line belongs to, by the file it names. */
function ownerOf(line, names) {
  for (const name of names) if (line.includes(`node_modules/${name}/`)) return name;
  return line.startsWith("consumer.ts") ? "consumer.ts" : "third-party types";
}

function main() {
  if (!args.has("--no-build")) build();
  const packages = listPackages();
  if (packages.length === 0) throw new CheckError("no publishable package under packages/");
  const ts = createRequire(path.join(ROOT, "package.json"))("typescript");
  const tscBin = path.join(
    path.dirname(createRequire(path.join(ROOT, "package.json")).resolve("typescript/package.json")),
    "bin",
    "tsc",
  );

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cobuy-pack-check-"));
  const cleanup = () => {
    if (!args.has("--keep")) fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  const results = new Map(); // name → { problems, files, bytes }
  try {
    const packs = path.join(tmp, "packs");
    const consumer = path.join(tmp, "consumer");
    const nodeModules = path.join(consumer, "node_modules");
    fs.mkdirSync(packs, { recursive: true });
    fs.mkdirSync(nodeModules, { recursive: true });
    const versions = new Map(packages.map((p) => [p.json.name, p.json.version]));

    for (const pkg of packages) {
      const name = pkg.json.name;
      const entry = { problems: [], files: 0, bytes: 0 };
      results.set(name, entry);
      try {
        const tgz = pack(pkg, packs);
        entry.bytes = fs.statSync(tgz).size;
        const extracted = path.join(nodeModules, name);
        const files = extractPackage(tgz, extracted);
        entry.files = files.size;
        const manifest = staticChecks(pkg, files, extracted, ts, entry.problems);
        for (const field of DEP_FIELDS) {
          for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
            if (versions.has(dep)) {
              const ok = satisfies(versions.get(dep), range);
              if (ok === false)
                entry.problems.push(
                  `${field}["${dep}"] = "${range}" does not match the sibling's version ${versions.get(dep)}`,
                );
              if (ok === null)
                entry.problems.push(`${field}["${dep}"] = "${range}": unexpected range syntax`);
            } else if (dep.startsWith("@cobuy/")) {
              entry.problems.push(`${field}["${dep}"]: not a published package of this repo`);
            } else if (field !== "optionalDependencies") {
              // nested like an isolated install: the package sees only what it declares
              linkFromWorkspace(dep, [pkg.dir], path.join(extracted, "node_modules"));
            }
          }
        }
      } catch (e) {
        if (!(e instanceof CheckError)) throw e;
        entry.problems.push(e.message);
      }
    }

    // the consumer: its own @types/node (from the workspace root), a package.json, two files
    linkFromWorkspace("@types/node", [ROOT], nodeModules);
    fs.writeFileSync(
      path.join(consumer, "package.json"),
      `${JSON.stringify({ name: "cobuy-pack-check-consumer", private: true, type: "module" }, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(consumer, "consumer.mjs"), CONSUMER_SCRIPT);
    fs.writeFileSync(path.join(consumer, "consumer.ts"), CONSUMER_TYPES);
    fs.writeFileSync(path.join(consumer, "tsconfig.json"), `${JSON.stringify(CONSUMER_TSCONFIG, null, 2)}\n`);
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.NODE_PATH;

    const extra = [];
    const r = spawnSync(process.execPath, ["consumer.mjs"], {
      cwd: consumer,
      env,
      encoding: "utf8",
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    let smoke;
    try {
      smoke = JSON.parse(r.stdout.trim().split("\n").pop());
    } catch {
      extra.push(
        `consumer script crashed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ""}):\n${tail(r.stdout + r.stderr)}`,
      );
      smoke = {};
    }
    for (const [name, entry] of results) {
      const outcome = smoke[name];
      if (outcome === undefined) {
        if (Object.keys(smoke).length) entry.problems.push("consumer script did not reach it");
      } else if (outcome !== "ok") {
        entry.problems.push(`consumer (plain node, outside the workspace): ${tail(outcome, 12)}`);
      }
    }

    const t = spawnSync(process.execPath, [tscBin, "-p", "tsconfig.json", "--pretty", "false"], {
      cwd: consumer,
      env,
      encoding: "utf8",
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (t.status !== 0) {
      const lines = `${t.stdout}${t.stderr}`.split("\n").filter((l) => l.trim());
      const names = [...results.keys()];
      for (const line of lines.filter((l) => /error TS\d+/.test(l))) {
        const owner = ownerOf(line, names);
        const msg = `consumer typecheck (tsc, NodeNext, skipLibCheck off): ${line.replace(/^.*node_modules\//, "")}`;
        if (results.has(owner)) results.get(owner).problems.push(msg);
        else extra.push(msg);
      }
      if (!lines.some((l) => /error TS\d+/.test(l))) extra.push(`tsc failed:\n${tail(lines.join("\n"))}`);
    }

    let failed = extra.length > 0;
    for (const [name, entry] of results) {
      const size = `${entry.files} files, ${(entry.bytes / 1000).toFixed(1)} kB`;
      if (entry.problems.length === 0) {
        console.log(`${PREFIX} ${name} ok (${size})`);
      } else {
        failed = true;
        console.log(`${PREFIX} ${name} FAILED (${size})`);
        for (const p of entry.problems) console.log(`  - ${p.replaceAll("\n", "\n    ")}`);
      }
    }
    for (const p of extra) console.log(`${PREFIX} ${p}`);
    if (args.has("--keep")) console.log(`${PREFIX} kept ${tmp}`);
    return failed ? 1 : 0;
  } finally {
    cleanup();
  }
}

try {
  process.exitCode = main();
} catch (e) {
  if (!(e instanceof CheckError)) throw e;
  console.error(`${PREFIX} ${e.message}`);
  process.exitCode = 1;
}
