/**
 * Outcome of a room operation called over RPC from the worker. Failures are values (not thrown
 * errors) so status, code and field messages cross the RPC boundary intact.
 */
export interface Failure {
  ok: false;
  status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 426 | 429 | 500;
  code: string;
  error: string;
  fields?: Record<string, string>;
  /** seconds, for a 429 (sent as `Retry-After`) */
  retryAfter?: number;
}

export type Result<T> = { ok: true; value: T } | Failure;

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(status: Failure["status"], code: string, error: string, fields?: Record<string, string>): Failure {
  return fields ? { ok: false, status, code, error, fields } : { ok: false, status, code, error };
}
