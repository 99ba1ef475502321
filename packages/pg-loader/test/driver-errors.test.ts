import { describe, expect, it } from "vitest";
import { fromDriverError, isUnavailable } from "../src/db/driver-errors.js";

const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("driver errors at pg-loader's boundary", () => {
  it("recognises connection failures and shutdowns, not query errors", () => {
    expect(isUnavailable(pgError("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"))).toBe(true);
    expect(isUnavailable(pgError("terminating connection", "57P01"))).toBe(true);
    expect(isUnavailable(pgError("too many clients", "53300"))).toBe(true);
    expect(isUnavailable(pgError("statement timeout", "57014"))).toBe(true);
    expect(isUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isUnavailable(new AggregateError([pgError("x", "ECONNREFUSED")]))).toBe(true);
    expect(isUnavailable(new Error("wrapped", { cause: { code: "ECONNRESET" } }))).toBe(true);
    expect(isUnavailable(pgError('relation "x" does not exist', "42P01"))).toBe(false);
    expect(isUnavailable(new Error("boom"))).toBe(false);
  });

  it("maps them to typed errors and leaves other errors alone", () => {
    const down = pgError("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED");
    expect(fromDriverError(down, "cobuy")).toMatchObject({ code: "COBUY_PG_UNAVAILABLE", cause: down });
    expect((fromDriverError(down, "cobuy") as Error).message).toContain("ECONNREFUSED 127.0.0.1:1");
    for (const sqlstate of ["42P01", "3F000"]) {
      const missing = pgError("relation or schema does not exist", sqlstate);
      expect(fromDriverError(missing, "shop")).toMatchObject({
        code: "COBUY_PG_NOT_MIGRATED",
        cause: missing,
      });
      expect((fromDriverError(missing, "shop") as Error).message).toContain('schema "shop"');
    }
    const syntax = pgError("syntax error", "42601");
    expect(fromDriverError(syntax, "cobuy")).toBe(syntax);
  });
});
