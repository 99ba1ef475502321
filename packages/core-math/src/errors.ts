/** Stable codes of {@link CoreMathError}. */
export type CoreMathErrorCode =
  | "COBUY_MATH_BAD_INPUT"
  | "COBUY_MATH_BAD_OPTION"
  | "COBUY_MATH_TOO_LARGE"
  | "COBUY_MATH_WORKER";

/**
 * Every error thrown by `@cobuy/core-math`. Check `code` (or `name`), not `instanceof`: several
 * copies of the package may be loaded.
 *
 * @example
 * ```ts
 * try { cosineTopKSync(c, support, { k: 0 }); }
 * catch (e) { if ((e as { code?: string }).code === "COBUY_MATH_BAD_OPTION") console.error(e.message); }
 * ```
 */
export class CoreMathError extends Error {
  override readonly name = "CoreMathError";
  readonly code: CoreMathErrorCode;
  constructor(code: CoreMathErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
