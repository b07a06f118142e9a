import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Failure, Result } from "../rooms/errors";

/**
 * The one HTTP error type. `app.onError` turns it into the envelope of docs/protocol.md#errors:
 * `{"meta":{"ok":false,"error":"..","code":".."}, <field>: "<message>", ...}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: Failure["status"],
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  static from(f: Failure): ApiError {
    const headers = f.retryAfter === undefined ? undefined : { "Retry-After": String(f.retryAfter) };
    return new ApiError(f.status, f.code, f.error, f.fields, headers);
  }
}

export function errorResponse(c: Context, err: ApiError): Response {
  const body: Record<string, unknown> = { ...(err.fields ?? {}), meta: { ok: false, error: err.message, code: err.code } };
  return c.json(body, err.status as ContentfulStatusCode, err.headers);
}

/** The value of a room's result, or the room's failure thrown as an ApiError. */
export function unwrap<R extends Result<unknown>>(result: R): R extends { ok: true; value: infer T } ? T : never {
  if (!result.ok) throw ApiError.from(result as Failure);
  return (result as unknown as { value: never }).value;
}

export function success(c: Context, body: Record<string, unknown> = {}): Response {
  return c.json({ meta: { ok: true }, ...body }, 200);
}
