/** Number formatting shared by the logger, progress bars and summary tables. */

/** `1234567` → `"1,234,567"`. */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const r = Math.round(n);
  // Grouped by hand: toLocaleString goes through ICU, ~25 ms over a build's progress events at M.
  // From 1e21 String() writes an exponent, so those few go through ICU.
  if (Math.abs(r) >= 1e21) return r.toLocaleString("en-US");
  const grouped = String(Math.abs(r)).replace(/\B(?=(\d{3})+$)/g, ",");
  return r < 0 ? `-${grouped}` : grouped;
}

/** Seconds with a precision that suits the magnitude: `0.042 s`, `1.23 s`, `95.1 s`. */
export function fmtSeconds(s: number): string {
  if (s < 1) return `${s.toFixed(3)} s`;
  if (s < 10) return `${s.toFixed(2)} s`;
  return `${s.toFixed(1)} s`;
}

/** Bytes in binary units: `512 B`, `12.3 MiB`. */
export function fmtBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Rates with SI suffixes: `812/s`, `1.2 k/s`, `3.4 M/s`, `0.59 G/s`. */
export function fmtRate(perSecond: number, unit = ""): string {
  const u = unit ? ` ${unit}` : "";
  if (!Number.isFinite(perSecond)) return `–${u}/s`;
  const steps: [number, string][] = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [f, s] of steps) {
    if (perSecond >= f) return `${(perSecond / f).toFixed(perSecond / f >= 100 ? 0 : 1)} ${s}${unit}/s`;
  }
  return `${perSecond.toFixed(perSecond >= 100 ? 0 : 1)}${u}/s`;
}

/** `0.8734` → `"87.3 %"`. */
export function fmtShare(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/**
 * An amount of work in its unit: bytes in binary units, large counts with an SI suffix, others grouped.
 * @example
 * fmtAmount(7040, "products"); // "7,040"; fmtAmount(2.4e9, "multiply-adds"); // "2.40 G"
 */
export function fmtAmount(n: number, unit = ""): string {
  if (unit === "bytes") return fmtBytes(Math.round(n));
  if (n < 1e6) return fmtCount(n);
  const [f, s] = n >= 1e9 ? [1e9, "G"] : [1e6, "M"];
  return `${(n / f).toFixed(n / f >= 100 ? 0 : n / f >= 10 ? 1 : 2)} ${s}`;
}

/** A rate of work in its unit: `45.2 MiB/s` for bytes, else as {@link fmtRate}. */
export function fmtWorkRate(perSecond: number, unit = ""): string {
  return unit === "bytes" && Number.isFinite(perSecond)
    ? `${fmtBytes(Math.round(perSecond))}/s`
    : fmtRate(perSecond);
}

/** A duration for a progress line: `2.4 s`, `48 s`, `3m05s`, `1h02m`. */
export function fmtDuration(s: number): string {
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
