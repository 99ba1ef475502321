/** Stable codes of {@link ContractError}. */
export type ContractErrorCode = "COBUY_CONTRACT_INVALID";

/**
 * A value breaks one of cobuy's shared contracts (a run id, k, a manifest…). Check `code`, not
 * `instanceof`: several copies of the package may be loaded.
 *
 * @example
 * ```ts
 * try { checkK(0); } catch (e) { if ((e as { code?: string }).code === "COBUY_CONTRACT_INVALID") console.error(e.message); }
 * ```
 */
export class ContractError extends Error {
  override readonly name = "ContractError";
  readonly code: ContractErrorCode;
  constructor(code: ContractErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
