// Embedded DuckDB's memory cap, against DuckDB itself: a default cap too small for the data is
// lifted once (the build goes on, the log says so), a cap the user gave is kept and named in
// the error, and the spill folder is cobuy's own and gone after close.
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createContext } from "../src/context.js";
import { parseBuildInput, type SqlInput } from "../src/flags/input.js";
import { openSqlConnection } from "../src/steps/sql-connection.js";
import { memIo } from "./helpers/mem-io.js";

const SHARED = process.env.COBUY_SHARED_DIR ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const S = join(SHARED, "golden", "s", "sales.csv");

function duckInput(memory?: string): SqlInput {
  const input = parseBuildInput(
    { engine: "duckdb", input: S, ...(memory !== undefined ? { "db-memory": memory } : {}) },
    { similarity: "llr" },
  );
  if (input?.kind !== "sql") throw new Error("expected a DuckDB input");
  return input.sql;
}

const spills = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith("cobuy-duckdb-")));
let before: Set<string>;
beforeEach(() => {
  before = spills();
});
afterEach(() => {
  // Every connection a test opened removed its spill folder.
  expect([...spills()].filter((f) => !before.has(f))).toEqual([]);
});

async function lineCount(db: Awaited<ReturnType<typeof openSqlConnection>>): Promise<number> {
  let n = 0;
  for await (const rows of db.query("SELECT count(*) FROM sales", [])) n += Number(rows[0]![0]);
  return n;
}

describe.runIf(existsSync(S))("DuckDB's memory cap", () => {
  it("a default cap the data does not fit in is lifted once, and the log says so", async () => {
    const io = memIo();
    const ctx = createContext(io, { command: "build" });
    const db = await openSqlConnection(ctx, duckInput(), { duckdbMemoryDefault: "4MB" });
    try {
      expect(await lineCount(db)).toBe(80150);
      const opened = [...spills()].filter((f) => !before.has(f));
      expect(opened).toHaveLength(1);
    } finally {
      await db.close();
    }
    expect(io.err()).toMatch(/DuckDB needed more than 4MB: running the statement again without the cap/);
  });

  it("a cap given with --db-memory is kept, and the error names it", async () => {
    const ctx = createContext(memIo(), { command: "build" });
    await expect(openSqlConnection(ctx, duckInput("4MB"))).rejects.toMatchObject({
      code: "COBUY_CLI_IO",
      message: expect.stringMatching(
        /cannot read .*sales\.csv: Out of Memory Error[\s\S]*\(under --db-memory 4MB\)/,
      ),
    });
  });

  it("the default cap holds a small build without a rerun", async () => {
    const io = memIo();
    const db = await openSqlConnection(createContext(io, { command: "build" }), duckInput());
    try {
      expect(await lineCount(db)).toBe(80150);
    } finally {
      await db.close();
    }
    expect(io.err()).not.toMatch(/DuckDB needed more/);
  });

  it("--db-memory: a DuckDB size, and only with DuckDB", () => {
    expect(duckInput("1.5GiB").memoryLimit).toBe("1.5GiB");
    expect(() => duckInput("12XB")).toThrow(/--db-memory must be a size such as 512MB or 4GB \(got "12XB"\)/);
    expect(() => duckInput("0MB")).toThrow(/--db-memory must be a size/);
    expect(() =>
      parseBuildInput(
        { "input-sql": "postgres://me@db/shop", table: "sales", "db-memory": "1GB" },
        { similarity: "llr" },
      ),
    ).toThrow(/--db-memory goes with DuckDB/);
    expect(() => parseBuildInput({ input: S, "db-memory": "1GB" }, { similarity: "llr" })).toThrow(
      /--db-memory goes with DuckDB/,
    );
  });
});
