import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "./errors";

/** Largest request body read at all; message text has its own, smaller limit. */
const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Parameters from the query string merged with a JSON, urlencoded or multipart body (SPEC §2:
 * all three are accepted). Malformed bodies are 400, other content types 415, huge ones 413.
 */
export async function readParams(c: Context): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = { ...c.req.query() };
  const method = c.req.method;
  if (method === "GET" || method === "HEAD") return params;

  const length = Number(c.req.header("content-length") ?? 0);
  if (length > BODY_LIMIT_BYTES) throw new ApiError(413, "body_too_large", "request body too large");
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();

  if (type === "multipart/form-data") {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch {
      throw new ApiError(400, "malformed_body", "malformed multipart body");
    }
    return { ...params, ...form };
  }

  const raw = await c.req.text();
  if (raw.length > BODY_LIMIT_BYTES) throw new ApiError(413, "body_too_large", "request body too large");
  if (raw.trim() === "") return params;

  if (type === "application/x-www-form-urlencoded") {
    for (const [k, v] of new URLSearchParams(raw)) params[k] = v;
    return params;
  }
  if (type === "application/json" || type === "" || type.endsWith("+json")) {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new ApiError(400, "malformed_body", "request body is not valid JSON");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new ApiError(400, "malformed_body", "request body must be a JSON object");
    }
    return { ...params, ...(body as Record<string, unknown>) };
  }
  throw new ApiError(415, "unsupported_media_type", `unsupported content type: ${type}`);
}

/** A page size: the default when absent, 422 above the maximum. */
export function pageLimit(limit: number | undefined, fallback: number, max: number): number {
  const value = limit ?? fallback;
  if (value > max) throw new ApiError(422, "invalid_params", `limit: must be at most ${max}`, { limit: `must be at most ${max}` });
  return value;
}

/** 422 with each failing field repeated as a top-level key (as AirSend does). */
export function validate<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : "params";
    fields[key] ??= issue.message;
  }
  const [firstKey, firstMessage] = Object.entries(fields)[0] ?? ["params", "invalid parameters"];
  throw new ApiError(422, "invalid_params", `${firstKey}: ${firstMessage}`, fields);
}
