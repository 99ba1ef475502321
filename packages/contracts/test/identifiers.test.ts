import { describe, expect, it } from "vitest";
import { checkSchemaName, identifierProblem, quoteIdentifier, schemaNameProblem } from "../src/index.js";

describe("plain SQL identifiers", () => {
  it.each(["order_id", "Ventes_2024$", "bestellung_größe", "_x", "a".repeat(63)])("quotes %s", (name) => {
    expect(identifierProblem(name, "table")).toBeUndefined();
    expect(quoteIdentifier(name, "table")).toBe(`"${name}"`);
  });
  it.each([
    "",
    'x"; DROP TABLE sales; --',
    "a.b",
    "two words",
    "1abc",
    "$x",
    "x\u0000",
    "a".repeat(64),
    "é".repeat(32), // 32 characters but 64 bytes
  ])("refuses %j before any query is built", (name) => {
    expect(identifierProblem(name, "order column")).toMatch(
      /^the order column name .* is not a plain SQL identifier/,
    );
    expect(() => quoteIdentifier(name, "table")).toThrow(
      expect.objectContaining({ code: "COBUY_CONTRACT_INVALID" }),
    );
  });
});

describe("schema names", () => {
  it.each(["cobuy", "cobuy_2", "_private", "a".repeat(63)])("accepts %s", (name) => {
    expect(schemaNameProblem(name)).toBeUndefined();
    expect(checkSchemaName(name)).toBe(name);
  });
  it.each(["", "Cobuy", "a-b", 'x"; drop table y; --', "1abc", "a".repeat(64), "größe"])(
    "refuses %j",
    (name) => {
      expect(schemaNameProblem(name)).toMatch(/is not a valid identifier/);
      expect(() => checkSchemaName(name)).toThrow(
        expect.objectContaining({ code: "COBUY_CONTRACT_INVALID" }),
      );
    },
  );
  it.each(["pg_catalog", "pg_x", "information_schema"])("refuses the system schema %s", (name) => {
    expect(schemaNameProblem(name)).toMatch(/reserved by PostgreSQL/);
  });
  it("is stricter than a plain identifier: what cobuy creates, it names in lower-case ASCII", () => {
    expect(identifierProblem("Cobuy", "schema")).toBeUndefined();
    expect(schemaNameProblem("Cobuy")).toBeDefined();
  });
});
