// Typed fetches of the API the page uses (same origin).

/** A catalog's other columns (url, image…), null without a catalog row. */
export type CatalogExtra = Record<string, unknown> | null;

export interface SimilarItem {
  id: string;
  /** The catalog name, else the id. */
  name: string;
  extra: CatalogExtra;
  score: number;
  support: number;
  category: string | null;
  reason?: "backfill";
}
export interface SimilarResponse {
  productId: string;
  runId: string;
  category: string | null;
  name: string;
  extra: CatalogExtra;
  items: SimilarItem[];
}
export interface ProductRecord {
  id: string;
  name: string;
  extra: CatalogExtra;
  category: string | null;
  support: number;
}
export interface SearchResponse {
  query: string;
  by: "name" | "id";
  runId: string;
  items: ProductRecord[];
  limit: number;
  offset: number;
  nextOffset: number | null;
}
export interface ValidationCell {
  products: number;
  sameCategory: number;
  share: number;
}
export interface RunSummary {
  runId: string;
  createdAt: string | null;
  loadedAt: string | null;
  counts: Record<string, number> | null;
  validation: { overall: ValidationCell; byCategory: Record<string, ValidationCell> } | null;
  productStats: "document" | "derived" | null;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: "application/json" } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    throw new ApiFailure(
      res.status,
      body?.error?.code ?? "COBUY_API_HTTP_ERROR",
      body?.error?.message ?? `HTTP ${res.status}`,
    );
  }
  return (await res.json()) as T;
}

export const api = {
  activeRun: () => getJson<RunSummary>("/v1/runs/active"),
  /** By name; an empty text lists the products by id. */
  search: (text: string, offset: number, signal?: AbortSignal) =>
    getJson<SearchResponse>(
      `/v1/products?${text === "" ? "query=" : `q=${encodeURIComponent(text)}`}&limit=20&offset=${offset}`,
      signal,
    ),
  similar: (id: string, k: number, backfill: boolean, signal?: AbortSignal) =>
    getJson<SimilarResponse>(
      `/v1/products/${encodeURIComponent(id)}/similar?k=${k}${backfill ? "&backfill=category" : ""}`,
      signal,
    ),
};
