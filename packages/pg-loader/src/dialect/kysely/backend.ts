import { CompiledQuery, type Kysely } from "kysely";
import { type Backend, quoteIdent, type Session } from "../../db/backend.js";
import type { Database } from "../../db/types.js";

/** Rows per INSERT statement (keeps parameters under PostgreSQL's 65535 limit). */
const INSERT_ROWS = 5000;

/**
 * Backend over a Kysely instance this package did not create (its pool is out of reach): the same
 * transaction, with rows inserted by multi-row INSERTs instead of COPY. Slower; same result.
 */
export class KyselyBackend implements Backend {
  readonly kind = "kysely";
  constructor(
    private readonly db: Kysely<Database>,
    private readonly schema: string,
  ) {}

  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const run = async (text: string, params: readonly unknown[] = []) =>
        (await trx.executeQuery(CompiledQuery.raw(text, [...params]))).rows as Record<string, unknown>[];
      const session: Session = {
        kysely: trx.withSchema(this.schema),
        execute: run,
        copyIn: async (table, columns, source) => {
          const target = `${quoteIdent(this.schema)}.${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")})`;
          let rows: (string | null)[][] = [];
          const flush = async () => {
            if (rows.length === 0) return;
            const params: (string | null)[] = [];
            const tuples: string[] = [];
            for (const row of rows) {
              const start = params.length;
              params.push(...row);
              tuples.push(`(${row.map((_, i) => `$${start + i + 1}`).join(", ")})`);
            }
            rows = [];
            await run(`INSERT INTO ${target} VALUES ${tuples.join(", ")}`, params);
          };
          let carry = "";
          const decoder = new TextDecoder();
          for await (const chunk of source) {
            const text =
              carry + (typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
            let start = 0;
            for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
              rows.push(parseCopyLine(text.slice(start, nl)));
              start = nl + 1;
              if (rows.length >= INSERT_ROWS) await flush();
            }
            carry = text.slice(start);
          }
          await flush();
        },
      };
      return fn(session);
    });
  }
}

/** Splits one COPY text-format line into fields (`\N` → null, backslash escapes undone). */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split("\t").map((field) => {
    if (field === "\\N") return null;
    if (!field.includes("\\")) return field;
    return field.replace(/\\(.)/g, (_, c: string) =>
      c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c,
    );
  });
}
