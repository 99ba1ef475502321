// Unit tests of the CLI machinery (in-process, against src/): the command contract, help, exit
// codes, --json, logging, progress bars and tables. The end-to-end tests run the built binary.
import { describe, expect, it } from "vitest";
import { type CommandEntry, defineCommand } from "../src/command.js";
import { createContext, type Io, resolveHome } from "../src/context.js";
import { CobuyCliError } from "../src/errors.js";
import { main, renderTopHelp } from "../src/main.js";
import { fmtBytes, fmtRate, fmtSeconds } from "../src/ui/format.js";
import { createLogger, redactUrl } from "../src/ui/logger.js";
import { createProgress, renderProgressLine } from "../src/ui/progress.js";
import { renderTable } from "../src/ui/table.js";

function memIo(env: Record<string, string> = {}, tty = false): Io & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s), isTTY: tty },
    stderr: { write: (s: string) => (err += s), isTTY: tty, columns: 120 },
    env,
    cwd: "/tmp/cobuy-cwd",
    out: () => out,
    err: () => err,
  };
}

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
  it("renders progress lines with bar, counts and rate", () => {
    expect(renderProgressLine("cosine", 1000, 2000, 2, "products")).toBe(
      "cosine [##########----------]  50% 1,000/2,000 products 500/s 2.0 s",
    );
    expect(renderProgressLine("ingest", 1500000, undefined, 1, "rows")).toBe(
      "ingest 1,500,000 rows 1.5 M/s 1.0 s",
    );
  });

  it("stays quiet for short stages and throttles redraws", () => {
    let t = 0;
    let out = "";
    const p = createProgress({ label: "s", stream: { write: (c) => (out += c) }, now: () => t, total: 4 });
    p.update(1);
    p.done();
    expect(out).toBe("");
    const q = createProgress({ label: "s", stream: { write: (c) => (out += c) }, now: () => t, total: 4 });
    t = 600;
    q.update(1);
    t = 650;
    q.update(2); // within 100 ms: not drawn
    t = 800;
    q.update(3);
    q.done();
    expect(out.match(/\r/g)).toHaveLength(3);
    expect(out.endsWith("100% 4/4 0.8 s\n".replace("0.8 s", "5.0/s 0.8 s"))).toBe(true);
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
