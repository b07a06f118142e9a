import type { Context } from "hono";
import type { z } from "zod";
import { LONE_SURROGATE_MESSAGE, loneSurrogatePath } from "../protocol/text";
import { ApiError } from "./errors";

/** Largest request body read at all; message text has its own, smaller limit. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Parameters from the query string merged with a JSON, urlencoded or multipart body (all three are
 * accepted: docs/protocol.md#http-api). Malformed bodies are 400, other content types 415, huge ones 413 (cut off while streaming).
 */
export async function readParams(c: Context): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = { ...c.req.query() };
  const method = c.req.method;
  if (method === "GET" || method === "HEAD") return params;

  const length = Number(c.req.header("content-length") ?? 0);
  if (length > BODY_LIMIT_BYTES) throw tooLarge();
  const contentType = c.req.header("content-type") ?? "";
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  const bytes = await readLimited(c.req.raw.body, BODY_LIMIT_BYTES);

  if (type === "multipart/form-data") {
    const form: Record<string, unknown> = {};
    try {
      for (const [k, v] of await new Response(bytes, { headers: { "content-type": contentType } }).formData()) form[k] = v;
    } catch {
      throw new ApiError(400, "malformed_body", "malformed multipart body");
    }
    return { ...params, ...form };
  }

  const raw = new TextDecoder().decode(bytes);
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

const tooLarge = () => new ApiError(413, "body_too_large", "request body too large");

/**
 * The body's bytes, read chunk by chunk and given up (the stream cancelled, 413) as soon as they
 * pass `limit`: a chunked upload without a content-length never gets buffered whole.
 */
export async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** A page size: the default when absent, 422 above the maximum. */
export function pageLimit(limit: number | undefined, fallback: number, max: number): number {
  const value = limit ?? fallback;
  if (value > max) throw new ApiError(422, "invalid_params", `limit: must be at most ${max}`, { limit: `must be at most ${max}` });
  return value;
}

/** 422 with each failing field repeated as a top-level key (as AirSend does). */
export function validate<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const bad = loneSurrogatePath(params);
  if (bad) {
    const key = bad.length ? String(bad[0]) : "params";
    throw new ApiError(422, "invalid_params", `${key}: ${LONE_SURROGATE_MESSAGE}`, { [key]: LONE_SURROGATE_MESSAGE });
  }
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
