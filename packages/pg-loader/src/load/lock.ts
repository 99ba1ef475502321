import type { Session } from "../db/backend.js";
import { BusyError } from "../errors.js";

/** First key of cobuy's advisory locks ("coby"); the second is hashtext(schema). */
const LOCK_CLASS = 0x636f6279;

/**
 * Takes the schema's transaction-scoped advisory lock: loads, activations and prunes of one schema
 * run one at a time; readers are never blocked. With `timeoutMs`, waiting longer raises BusyError.
 */
export async function lockSchema(session: Session, schema: string, timeoutMs?: number): Promise<void> {
  if (timeoutMs !== undefined) {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0)
      throw new RangeError(`lockTimeoutMs must be an integer ≥ 0, got ${timeoutMs}`);
    await session.execute(`SET LOCAL lock_timeout = ${timeoutMs === 0 ? 1 : timeoutMs}`);
  }
  try {
    await session.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, schema]);
  } catch (err) {
    if ((err as { code?: string }).code === "55P03") throw new BusyError(schema, { cause: err });
    throw err;
  }
  if (timeoutMs !== undefined) await session.execute("SET LOCAL lock_timeout = 0");
}
