/** Crafted JWTs for forgery tests (the development secret is public by design: see README). */
import { SignJWT } from "jose";
import { DEV_JWT_SECRET } from "../../src/auth/tokens";

const enc = new TextEncoder();
const b64url = (s: string) => btoa(s).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

export async function sign(
  claims: Record<string, unknown>,
  opts: { secret?: string; alg?: string; iat?: number; exp?: number; nbf?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? "HS256", typ: "JWT" })
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 3600);
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(enc.encode(opts.secret ?? DEV_JWT_SECRET));
}

export function rtmClaims(userId: number): Record<string, unknown> {
  return { typ: "rtm", user_id: userId, user_name: "x", client_ip: "", user_agent: "", finger_print: "" };
}

/** Unsigned token (`alg: none`). */
export function algNone(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify({ ...claims, iat: now, exp: now + 3600 }))}.`;
}

/** A valid token whose header is swapped for another algorithm's (signature no longer matches). */
export function swapHeader(token: string, alg: string): string {
  const [, payload, sig] = token.split(".");
  return `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${payload}.${sig}`;
}

/** Flips the payload to another user while keeping the original signature. */
export function tamperUser(token: string, userId: number): string {
  const [header, payload, sig] = token.split(".");
  const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
  return `${header}.${b64url(JSON.stringify({ ...claims, user_id: userId }))}.${sig}`;
}

/** The session (`sid` claim) a token belongs to, unverified. */
export function sessionOf(token: string): number {
  const part = token.split(".")[1]!;
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))).sid;
}
