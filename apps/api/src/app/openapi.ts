import type { FastifyInstance, RouteOptions } from "fastify";

interface RouteSchema {
  summary?: string;
  tags?: string[];
  params?: { properties?: Record<string, unknown>; required?: string[] };
  querystring?: { properties?: Record<string, unknown>; required?: string[] };
  body?: unknown;
  response?: Record<string, unknown>;
}

/**
 * Collects every route that has a schema and serves an OpenAPI 3.1 document built from those
 * schemas at `/openapi.json`.
 */
export function registerOpenApi(app: FastifyInstance, info: { title: string; version: string }): void {
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    if (route.schema && route.url !== "/openapi.json") routes.push(route);
  });
  let doc: unknown = null;
  app.get("/openapi.json", async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    doc ??= buildDocument(routes, info);
    return doc;
  });
}

function buildDocument(routes: readonly RouteOptions[], info: { title: string; version: string }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const schema = route.schema as RouteSchema;
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toLowerCase());
    for (const method of methods) {
      if (method === "head") continue;
      const parameters = [
        ...toParameters("path", schema.params),
        ...toParameters("query", schema.querystring),
      ];
      const responses: Record<string, unknown> = {};
      for (const [status, body] of Object.entries(schema.response ?? {})) {
        responses[status] = {
          description: status === "200" ? "OK" : status === "304" ? "Not modified" : "Error",
          content: { "application/json": { schema: body } },
        };
      }
      if (method === "get" && path.startsWith("/v1/")) {
        responses["304"] = { description: "Not modified: If-None-Match named the active run's ETag" };
      }
      paths[path] ??= {};
      paths[path][method] = {
        summary: schema.summary,
        tags: schema.tags,
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(schema.body
          ? { requestBody: { required: true, content: { "application/json": { schema: schema.body } } } }
          : {}),
        responses,
      };
    }
  }
  return { openapi: "3.1.0", info, paths };
}

function toParameters(
  where: "path" | "query",
  schema: { properties?: Record<string, unknown>; required?: string[] } | undefined,
): unknown[] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).map(([name, s]) => {
    const { description, ...rest } = s as { description?: string };
    return {
      name,
      in: where,
      required: where === "path" || (schema.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
