// The built binary on a terminal: run under util-linux `script` (a pseudo-terminal for stderr, stdout
// to a file), as a user at a shell sees it — progress bars driven by work with an ETA, human log
// lines — and that --json keeps both streams machine-readable there. Secrets never reach stderr.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, isolatedEnv, runCobuy, writeSample } from "./helpers/cli.js";

const hasScript = (() => {
  try {
    return execFileSync("script", ["--version"], { encoding: "utf8" }).includes("util-linux");
  } catch {
    return false;
  }
})();
if (!hasScript) {
  console.warn(
    "skipped test/terminal.test.ts: needs util-linux `script` for a pseudo-terminal (apt-get install bsdutils)",
  );
}

let work: string;
let sales: string;

/** Runs `cobuy args` with stderr on a 100-column pseudo-terminal; stdout goes to a file. */
function onTerminal(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; tty: string; stdout: string }> {
  const out = join(work, `stdout-${Math.random().toString(36).slice(2)}.txt`);
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = `stty cols 100 2>/dev/null; ${[process.execPath, CLI, ...args].map(quote).join(" ")} >${quote(out)}`;
  return new Promise((resolve) => {
    execFile(
      "script",
      ["-qefc", command, "/dev/null"],
      { cwd: work, env: { ...process.env, ...isolatedEnv(work), ...env }, maxBuffer: 64 << 20 },
      (err, tty) =>
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
          tty: tty.replace(/\r/g, ""),
          stdout: readFileSync(out, "utf8"),
        }),
    );
  });
}

/** The frames of one stage's bar, as drawn (cursor moves and line clears removed). */
function frames(tty: string, label: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
  const plain = tty.replace(/\x1b\[\d*[A-Za-z]|\x1b[78]/g, "\n");
  return plain.split("\n").filter((l) => l.startsWith(`${label} `));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cobuy-terminal-"));
  sales = join(work, "sales.csv");
  await writeSample((args) => runCobuy(args, work, isolatedEnv(work)), sales);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!hasScript)("on a terminal", () => {
  it("draws ingest by bytes and top-k by its work, with rate and ETA, then human log lines", async () => {
    const r = await onTerminal(["build", "--input", sales, "--out", join(work, "out"), "--threads", "1"], {
      COBUY_PROGRESS_DELAY_MS: "0",
    });
    expect(r.code, r.tty).toBe(0);
    const ingest = frames(r.tty, "ingest");
    expect(ingest.length, r.tty).toBeGreaterThan(0);
    const size = statSync(sales).size;
    const last = ingest.at(-1)!;
    // The final frame: all bytes of the file, in binary units, and the rows as a note.
    expect(last).toMatch(
      new RegExp(
        `^ingest \\[#{20}\\] 100% ${(size / 1024).toFixed(1)} KiB/${(size / 1024).toFixed(1)} KiB .*, [\\d,]+ rows$`,
      ),
    );
    const topk = frames(r.tty, "topk");
    expect(topk.length).toBeGreaterThan(0);
    // Top-k counts the plan's estimated multiply-adds (rows differ in cost), ending at their total.
    expect(topk.at(-1)).toMatch(/^topk \[#{20}\] 100% ([\d,.]+(?: [MG])?)\/\1 multiply-adds /);
    // Every frame fits the terminal.
    for (const f of [...ingest, ...topk]) expect(f.length).toBeLessThan(100);
    // Log lines are the human format, each on its own line after the bars.
    expect(r.tty).toMatch(/^cobuy: wrote recs\.json \(.*\) dir=\S+$/m);
    expect(r.stdout).toContain("documents: ");
  });

  it("shows the rate and an ETA while the input arrives, from the bytes read", async () => {
    // An S3 endpoint that sends the object in 16 slices 100 ms apart, whatever the machine's speed.
    const body = readFileSync(sales);
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-length": body.length, "content-type": "text/csv", etag: '"1"' });
      if (req.method === "HEAD") return res.end();
      let i = 0;
      const slice = Math.ceil(body.length / 16);
      const timer = setInterval(() => {
        res.write(body.subarray(i, i + slice));
        i += slice;
        if (i >= body.length) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await onTerminal(
        [
          "build",
          "--input",
          "s3://shop/sales.csv",
          "--s3-endpoint",
          `http://127.0.0.1:${port}`,
          "--out",
          join(work, "slow"),
        ],
        {
          COBUY_PROGRESS_DELAY_MS: "0",
          AWS_ACCESS_KEY_ID: "k",
          AWS_SECRET_ACCESS_KEY: "s",
          AWS_REGION: "us-east-1",
        },
      );
      expect(r.code, r.tty).toBe(0);
      const eta = frames(r.tty, "ingest").filter((f) => / ETA /.test(f));
      expect(eta.length, r.tty).toBeGreaterThan(3);
      for (const f of eta) {
        expect(f).toMatch(
          /^ingest \[[#-]{20}\] +\d+% [\d.]+ KiB\/[\d.]+ KiB [\d.]+ KiB\/s [\d.]+ s ETA [\d.]+ s, [\d,]+ rows$/,
        );
      }
      // Sixteen slices 0.1 s apart: the ETA of a frame halfway through is about the time still to come.
      const half = eta.find((f) => /\] +(4\d|5\d)%/.test(f));
      expect(half, eta.join("\n")).toBeDefined();
      const seconds = Number(/ETA ([\d.]+) s/.exec(half!)![1]);
      expect(seconds).toBeGreaterThan(0.3);
      expect(seconds).toBeLessThan(2.5);
    } finally {
      server.close();
    }
  });

  it("--json: one JSON object on stdout, JSON log lines on stderr, no bars", async () => {
    const r = await onTerminal(["build", "--input", sales, "--out", join(work, "json-out"), "--json"], {
      COBUY_PROGRESS_DELAY_MS: "0",
    });
    expect(r.code, r.tty).toBe(0);
    const out = r.stdout.trim().split("\n");
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: true, command: "build" });
    const err = r.tty.trim().split("\n");
    expect(err.length).toBeGreaterThan(0);
    for (const line of err)
      expect(Object.keys(JSON.parse(line))).toEqual(expect.arrayContaining(["level", "time", "msg"]));
    expect(r.tty).not.toContain("[#");
    expect(r.tty).not.toContain("\u001b");
  });

  it("--no-progress draws no bar on a terminal", async () => {
    const r = await onTerminal(["build", "--input", sales, "--out", join(work, "quiet"), "--no-progress"], {
      COBUY_PROGRESS_DELAY_MS: "0",
    });
    expect(r.code, r.tty).toBe(0);
    expect(frames(r.tty, "ingest")).toEqual([]);
    expect(r.tty).toMatch(/^cobuy: wrote /m);
  });

  it("never prints a password from a connection string, in either log format", async () => {
    const url = "postgres://shop:hunter2@127.0.0.1:9/sales";
    for (const format of ["human", "json"]) {
      const r = await onTerminal(
        [
          "build",
          "--input-sql",
          url,
          "--table",
          "t",
          "--out",
          join(work, "sql"),
          "--log-level",
          "debug",
          "--log-format",
          format,
        ],
        { PGCONNECT_TIMEOUT: "2" },
      );
      expect(r.code, r.tty).toBe(1);
      expect(r.tty).toContain("shop@127.0.0.1:9");
      expect(r.tty).not.toContain("hunter2");
    }
  });

  it("redacts credentials a failure message quotes from the command line, on both streams", async () => {
    for (const extra of [[], ["--json"], ["--log-format", "json"]]) {
      const r = await onTerminal([
        "build",
        "--input",
        "s3://shop:hunter2@bucket/sales.csv",
        "--out",
        "x",
        ...extra,
      ]);
      expect(r.code, r.tty).toBe(2);
      expect(r.tty).toContain("s3://shop:***@bucket/sales.csv");
      expect(r.tty + r.stdout).not.toContain("hunter2");
    }
  });
});
