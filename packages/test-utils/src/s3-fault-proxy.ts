import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy sees of a request when deciding whether to inject a fault. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, e.g. `/bucket/run/recs.json?partNumber=2&uploadId=…`. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A fault to inject into matching requests, at most `times` times (default: forever). */
export type FaultRule = {
  match?: (req: ProxiedRequest) => boolean;
  times?: number;
} & ({ kind: "status"; status: number; code?: string } | { kind: "drop"; afterBytes: number });

/** One request the proxy handled. */
export interface ProxyLogEntry {
  method: string;
  url: string;
  /** The request's headers as the client sent them (to check e.g. encryption headers). */
  headers: http.IncomingHttpHeaders;
  fault?: "status" | "drop";
  status?: number;
}

/** A running proxy from {@link startFaultProxy}. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the S3 client here instead of at the server. */
  endpoint: string;
  /** Adds a rule; rules are tried in order, the first match with `times` left fires. */
  addRule(rule: FaultRule): void;
  /** Answer the next `n` matching requests with an S3-style error status (e.g. 500, 503). */
  failNext(n: number, status: number, match?: FaultRule["match"]): void;
  /** Cut the connection once `afterBytes` of a matching request body went through. */
  dropAfter(afterBytes: number, match?: FaultRule["match"], times?: number): void;
  /** Removes every rule and empties the log. */
  clear(): void;
  readonly log: ProxyLogEntry[];
  stop(): Promise<void>;
}

const CODES: Record<number, string> = {
  403: "AccessDenied",
  500: "InternalError",
  503: "ServiceUnavailable",
};

/**
 * Starts an HTTP proxy in front of an S3 server that can answer with error statuses or cut
 * connections mid-upload: faults a real server cannot be made to produce on demand. The Host
 * header is forwarded unchanged, so SigV4 signatures still verify.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy(s3.endpoint);
 * proxy.failNext(3, 503);                                   // then recovers
 * proxy.dropAfter(1 << 20, (r) => r.url.includes("partNumber="));
 * ```
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: (FaultRule & { left: number })[] = [];
  const log: ProxyLogEntry[] = [];

  const pick = (req: ProxiedRequest) => {
    for (const r of rules) {
      if (r.left > 0 && (r.match === undefined || r.match(req))) {
        r.left -= 1;
        return r;
      }
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const info: ProxiedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
    };
    const rule = pick(info);
    const entry: ProxyLogEntry = { method: info.method, url: info.url, headers: info.headers };
    log.push(entry);

    if (rule?.kind === "status") {
      entry.fault = "status";
      entry.status = rule.status;
      req.resume();
      req.on("end", () => {
        const code = rule.code ?? CODES[rule.status] ?? "InjectedFault";
        const body =
          info.method === "HEAD"
            ? ""
            : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by fault proxy</Message><RequestId>fault</RequestId></Error>`;
        res.writeHead(rule.status, {
          "content-type": "application/xml",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
      });
      return;
    }

    const up = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: info.method,
      path: info.url,
      headers: req.headers,
    });
    up.on("response", (ur) => {
      entry.status = ur.statusCode;
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => {
      req.socket.destroy();
    });

    if (rule?.kind === "drop") {
      entry.fault = "drop";
      let seen = 0;
      req.on("data", (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= rule.afterBytes) {
          up.destroy();
          req.socket.destroy();
        } else {
          up.write(chunk);
        }
      });
      req.on("end", () => up.end());
      return;
    }
    req.pipe(up);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    addRule(rule) {
      rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    failNext(n, status, match) {
      rules.push({ kind: "status", status, left: n, ...(match ? { match } : {}) });
    },
    dropAfter(afterBytes, match, times) {
      rules.push({
        kind: "drop",
        afterBytes,
        left: times ?? Number.POSITIVE_INFINITY,
        ...(match ? { match } : {}),
      });
    },
    clear() {
      rules.length = 0;
      log.length = 0;
    },
    log,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
