// Unit tests of the CLI machinery (in-process, against src/): the command contract, help, exit
// codes, --json, logging, progress bars and tables. The end-to-end tests run the built binary.
import { describe, expect, it } from "vitest";
import { type CommandEntry, defineCommand } from "../src/command.js";
import { createContext, resolveHome } from "../src/context.js";
import { CobuyCliError } from "../src/errors.js";
import { main, renderTopHelp } from "../src/main.js";
import { buildWork, STAGE_UNITS } from "../src/steps/build-progress.js";
import {
  fmtAmount,
  fmtBytes,
  fmtCount,
  fmtDuration,
  fmtRate,
  fmtSeconds,
  fmtWorkRate,
} from "../src/ui/format.js";
import { createLogger, redactUrl } from "../src/ui/logger.js";
import { createProgress, renderProgressLine } from "../src/ui/progress.js";
import { renderTable } from "../src/ui/table.js";
import { WorkRate } from "../src/ui/work-rate.js";
import { memIo } from "./helpers/mem-io.js";

const hello = defineCommand({
  name: "hello",
  summary: "say hello",
  usage: "cobuy hello [--name NAME]",
  options: {
    name: { type: "string", valueName: "NAME", description: "who to greet" },
    fail: { type: "boolean", description: "throw a typed error" },
  },
  async run(ctx, { values }) {
    if (values.fail) throw new CobuyCliError("HELLO_FAILED", "hello.txt:3: cannot greet\nsecond line");
    ctx.log.info("greeting", { name: values.name });
    await ctx.stage("greet", () => undefined);
    ctx.print(`hello ${values.name ?? "world"}`);
    ctx.table({ rows: [["greeted", values.name ?? "world"]] });
    return { greeted: values.name ?? "world", stages: ctx.stages.map((s) => s.name) };
  },
});
const list: CommandEntry[] = [{ name: "hello", load: async () => hello }];

describe("main", () => {
  it("lists commands in the top-level help", async () => {
    const io = memIo();
    expect(await main(["--help"], io, list)).toBe(0);
    expect(io.out()).toContain("hello  say hello");
    expect(await renderTopHelp(list)).toContain("usage: cobuy <command>");
  });

  it("prints command help with options and the common ones", async () => {
    const io = memIo();
    expect(await main(["hello", "--help"], io, list)).toBe(0);
    expect(io.out()).toMatch(/usage: cobuy hello/);
    expect(io.out()).toMatch(/--name NAME\s+who to greet/);
    expect(io.out()).toMatch(/--\[no-\]progress/);
    expect(io.out()).toMatch(/--json/);
  });

  it("rejects an unknown flag with one line and exit code 2", async () => {
    const io = memIo();
    expect(await main(["hello", "--nope"], io, list)).toBe(2);
    expect(io.err()).toBe('cobuy: unknown option --nope for "cobuy hello" (see cobuy hello --help)\n');
    expect(io.out()).toBe("");
  });

  it("rejects an unknown command and a missing value with exit code 2", async () => {
    const a = memIo();
    expect(await main(["nope"], a, list)).toBe(2);
    expect(a.err()).toBe('cobuy: unknown command "nope" (see cobuy --help)\n');
    const b = memIo();
    expect(await main(["hello", "--name"], b, list)).toBe(2);
    expect(b.err().split("\n")).toHaveLength(2);
  });

  it("prints human output without --json", async () => {
    const io = memIo();
    expect(await main(["hello", "--name", "ann"], io, list)).toBe(0);
    expect(io.out()).toBe("hello ann\ngreeted  ann\n");
    expect(io.err()).toBe("cobuy: greeting name=ann\n");
  });

  it("prints exactly one JSON object on stdout with --json, logs as JSON lines", async () => {
    const io = memIo();
    expect(await main(["hello", "--name", "ann", "--json"], io, list)).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      ok: true,
      command: "hello",
      greeted: "ann",
      stages: ["greet"],
    });
    const log = JSON.parse(io.err().trim().split("\n")[0] ?? "");
    expect(log).toMatchObject({ level: "info", msg: "greeting", name: "ann" });
  });

  it("turns a thrown error into one line, exit 1, and its code under --json", async () => {
    const io = memIo();
    expect(await main(["hello", "--fail"], io, list)).toBe(1);
    expect(io.err()).toBe("cobuy: hello.txt:3: cannot greet\n");
    const j = memIo();
    expect(await main(["hello", "--fail", "--json"], j, list)).toBe(1);
    expect(JSON.parse(j.out())).toMatchObject({ ok: false, error: { code: "HELLO_FAILED" } });
  });

  it("reports a usage error as JSON under --json", async () => {
    const io = memIo();
    expect(await main(["hello", "--json", "--nope"], io, list)).toBe(2);
    expect(JSON.parse(io.out())).toMatchObject({
      ok: false,
      exitCode: 2,
      error: { code: "COBUY_CLI_USAGE" },
    });
  });

  it("validates --log-format", async () => {
    const io = memIo();
    expect(await main(["hello", "--log-format", "xml"], io, list)).toBe(2);
    expect(io.err()).toContain("--log-format must be one of human, json");
  });
});

describe("context", () => {
  it("puts the embedded home in ./.cobuy unless COBUY_HOME says otherwise", () => {
    expect(resolveHome({}, "/w").runs).toBe("/w/.cobuy/runs");
    expect(resolveHome({}, "/w").pglite).toBe("/w/.cobuy/pglite");
    expect(resolveHome({ COBUY_HOME: "h" }, "/w").root).toBe("/w/h");
    expect(resolveHome({ COBUY_HOME: "/abs" }, "/w").runs).toBe("/abs/runs");
  });

  it("records stage timings even when a stage throws", async () => {
    const ctx = createContext(memIo(), { command: "t" });
    await ctx.stage("a", async () => 1);
    await expect(
      ctx.stage("b", () => {
        throw new Error("x");
      }),
    ).rejects.toThrow("x");
    expect(ctx.stages.map((s) => s.name)).toEqual(["a", "b"]);
    expect(ctx.stages.every((s) => s.seconds >= 0)).toBe(true);
    expect(ctx.peakRssBytes()).toBeGreaterThan(1e6);
  });

  it("draws progress only on a terminal and never under --json", async () => {
    const tty = memIo({}, true);
    const p = createContext(tty, { command: "t" }).progress("x");
    expect(p).not.toBe(undefined);
    const plain = memIo({}, false);
    createContext(plain, { command: "t" }).progress("x", { total: 10 }).update(5);
    const json = memIo({}, true);
    createContext(json, { command: "t", json: true }).progress("x", { total: 10 }).update(5);
    expect(plain.err() + json.err()).toBe("");
  });
});

describe("ui", () => {
  it("renders progress lines: bar, work in its unit, smoothed rate, elapsed time, ETA", () => {
    expect(
      renderProgressLine({
        label: "topk",
        done: 1000,
        total: 2000,
        unit: "products",
        seconds: 2,
        rate: 500,
        eta: 2,
      }),
    ).toBe("topk [##########----------]  50% 1,000/2,000 products 500/s 2.0 s ETA 2.0 s");
    expect(
      renderProgressLine(
        {
          label: "ingest",
          done: 3 << 20,
          total: 12 << 20,
          unit: "bytes",
          seconds: 1,
          rate: 3 << 20,
          eta: 3,
          detail: "55,186 rows",
        },
        120,
      ),
    ).toBe("ingest [#####---------------]  25% 3.0 MiB/12.0 MiB 3.0 MiB/s 1.0 s ETA 3.0 s, 55,186 rows");
    expect(
      renderProgressLine(
        {
          label: "topk",
          done: 1.2e9,
          total: 4.8e9,
          unit: "multiply-adds",
          seconds: 75,
          rate: 1.6e7,
          eta: 225,
        },
        120,
      ),
    ).toBe("topk [#####---------------]  25% 1.20 G/4.80 G multiply-adds 16.0 M/s 1m15s ETA 3m45s");
    expect(renderProgressLine({ label: "ingest", done: 1500000, unit: "rows", seconds: 1 })).toBe(
      "ingest 1.50 M rows 1.0 s",
    );
    // A narrow terminal cuts the end of the line.
    expect(
      renderProgressLine({ label: "x", done: 1, total: 2, seconds: 1, detail: "y".repeat(80) }, 40),
    ).toHaveLength(39);
  });

  it("smooths the rate over time and takes the ETA from the remaining work", () => {
    const r = new WorkRate(2, 0.2);
    expect(r.eta(0, 100, 0)).toBeUndefined();
    r.observe(100, 1); // 100/s
    expect(r.rate).toBe(100);
    expect(r.eta(100, 1100, 1)).toBe(10);
    expect(r.eta(100, 1100, 3)).toBe(8); // counts down between reports
    r.observe(110, 1.1); // too close to the last report: merged into the next interval
    expect(r.rate).toBe(100);
    r.observe(1100, 3); // 500/s for 2 s = one half-life: halfway from 100 to 500
    expect(r.rate).toBeCloseTo(300, 9);
    expect(r.eta(1100, 4100, 3)).toBeCloseTo(10, 9);
    expect(r.eta(1100, undefined, 3)).toBeUndefined();
    r.restart(5, 4); // a new unit: measured afresh
    expect(r.rate).toBeUndefined();
    r.observe(25, 5);
    expect(r.rate).toBe(20);
  });

  it("draws nothing for a short stage; a long one is drawn by cli-progress and ends its line", () => {
    let t = 0;
    let out = "";
    const stream = { write: (c: string) => (out += c), isTTY: true, columns: 100 };
    const quiet = createProgress({ label: "s", unit: "rows", stream, now: () => t, total: 4 });
    t = 100;
    quiet.report({ done: 1 });
    quiet.done();
    expect(out).toBe("");
    t = 0;
    const p = createProgress({ label: "topk", unit: "products", stream, now: () => t, total: 4 });
    t = 600;
    p.report({ done: 1 });
    t = 1600;
    p.report({ done: 2 });
    p.done();
    p.done();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
    const lines = out.split(/\x1b\[\d*[A-Za-z]|\x1b[78]/).filter((l) => l.startsWith("topk"));
    expect(lines[0]).toBe("topk [#####---------------]  25% 1/4 products 1.7/s 0.6 s ETA 1.8 s");
    // The rate moved from 1.7/s towards 1/s over one third of its half-life.
    expect(lines.at(-1)).toBe("topk [####################] 100% 4/4 products 1.5/s 1.6 s");
    expect(out.endsWith("\n")).toBe(true);
  });

  it("follows the unit a stage reports, restarting the rate", () => {
    let t = 0;
    let out = "";
    const stream = { write: (c: string) => (out += c), isTTY: true, columns: 120 };
    const p = createProgress({ label: "topk", unit: "products", stream, now: () => t, delayMs: 0 });
    t = 1000;
    p.report({ done: 10, total: 100 });
    t = 2000;
    p.report({ done: 5e8, total: 2e9, unit: "multiply-adds" });
    p.done();
    expect(out).toContain("topk [##------------------]  10% 10/100 products");
    expect(out).toContain("topk [####################] 100% 2.00 G/2.00 G multiply-adds");
  });

  it("draws a build's top-k by its estimated work: the percentage and the ETA follow the work, not the products", () => {
    let t = 0;
    let out = "";
    const stream = { write: (c: string) => (out += c), isTTY: true, columns: 120 };
    const bar = createProgress({ label: "topk", unit: STAGE_UNITS.topk, stream, now: () => t, delayMs: 0 });
    const topk = (done: number, total: number, work: number) =>
      buildWork(
        { stage: "topk", done, total, work: { done: work, total: 1e9, unit: "multiply-adds" } },
        undefined,
      );
    // The first product of ten holds half of the work (a best seller's row).
    t = 1000;
    bar.report(topk(1, 10, 5e8));
    bar.done();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
    const lines = out.split(/\x1b\[\d*[A-Za-z]|\x1b[78]/).filter((l) => l.startsWith("topk"));
    // Half done and one second left at the work rate (by products: 10% and nine seconds).
    expect(lines[0]).toBe(
      "topk [##########----------]  50% 500 M/1.00 G multiply-adds 500 M/s 1.0 s ETA 1.0 s",
    );
    expect(lines.at(-1)).toMatch(/^topk \[#{20}\] 100% 1\.00 G\/1\.00 G multiply-adds /);
  });

  it("renders aligned tables", () => {
    expect(
      renderTable({
        columns: ["stage", "s"],
        rows: [
          ["ingest", 1.5],
          ["cosine", 12],
        ],
      }),
    ).toBe("stage     s\n------  ---\ningest  1.5\ncosine   12\n");
  });

  it("formats numbers", () => {
    expect(fmtSeconds(0.0421)).toBe("0.042 s");
    expect(fmtBytes(3 * 1024 * 1024)).toBe("3.0 MiB");
    expect(fmtRate(5.9e8)).toBe("590 M/s");
    expect(fmtAmount(2.4e9, "multiply-adds")).toBe("2.40 G");
    expect(fmtAmount(7040, "products")).toBe("7,040");
    expect(fmtWorkRate(45.2 * 1024 * 1024, "bytes")).toBe("45.2 MiB/s");
    expect(fmtDuration(3.04)).toBe("3.0 s");
    expect(fmtDuration(185)).toBe("3m05s");
    expect(fmtDuration(3720)).toBe("1h02m");
  });

  it("groups counts by thousands as en-US does, for every length and sign", () => {
    const values = [
      0,
      7,
      999,
      1000,
      -1000,
      12345.6,
      -999999.5,
      1e6,
      123456789012,
      2 ** 53,
      3e21,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    for (let d = 1; d <= 16; d++) values.push(10 ** d - 1, 10 ** d, -(10 ** d) + 1);
    for (const v of values)
      expect(fmtCount(v), String(v)).toBe(
        Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : String(v),
      );
    expect(fmtCount(-0)).toBe("0");
  });

  it("writes human lines through pino: level tag, key=value fields, lowest level honoured", () => {
    let out = "";
    const log = createLogger({ format: "human", level: "info", write: (l) => (out += l) });
    log.debug("not shown");
    log.info("wrote documents", { dir: "out", files: 4, note: "two words", skipped: undefined });
    log.warn("skipped 2 bad rows", { skippedRows: 2 });
    log.error("connect postgres://app:hunter2@db/x failed", { target: { url: "postgres://app:pw@db/x" } });
    expect(out).toBe(
      'cobuy: wrote documents dir=out files=4 note="two words"\n' +
        "cobuy: warn: skipped 2 bad rows skippedRows=2\n" +
        'cobuy: error: connect postgres://app:***@db/x failed target={"url":"postgres://app:***@db/x"}\n',
    );
  });

  it("redacts secrets in log lines", () => {
    let out = "";
    const log = createLogger({ format: "json", write: (l) => (out += l), now: () => new Date(0) });
    log.info("connect postgres://app:hunter2@db/x", { password: "p", url: "s3://K:S@host/b", n: 1 });
    const o = JSON.parse(out);
    expect(o).toEqual({
      time: "1970-01-01T00:00:00.000Z",
      level: "info",
      msg: "connect postgres://app:***@db/x",
      password: "***",
      url: "s3://K:***@host/b",
      n: 1,
    });
    expect(redactUrl("http://h/x")).toBe("http://h/x");
  });
});
