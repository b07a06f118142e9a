import { SignJWT, errors, jwtVerify } from "jose";
import type { Config } from "../config";

/**
 * Bearer (access) and websocket (rtm) tokens: HS256 JWTs told apart by a `typ` claim, so neither
 * is accepted where the other is expected.
 */
export const DEV_JWT_SECRET = "edge-realtime-development-secret-do-not-deploy";

export type TokenType = "access" | "rtm";

export interface AccessClaims {
  typ: "access";
  user_id: number;
  exp: number;
  iat: number;
}

export interface RtmClaims {
  typ: "rtm";
  user_id: number;
  user_name: string;
  client_ip: string;
  user_agent: string;
  finger_print: string;
  exp: number;
  iat: number;
}

export class TokenError extends Error {
  constructor(
    readonly reason: "expired" | "invalid" | "misconfigured",
    message: string,
  ) {
    super(message);
  }
}

const keys = new Map<string, Uint8Array>();

/**
 * The signing key. Production (ENVIRONMENT=production, the wrangler.toml default) refuses to sign or
 * verify with the development secret, so a deploy without `wrangler secret put JWT_SECRET` fails loudly.
 */
export function signingKey(env: { JWT_SECRET?: string }, config: Config): Uint8Array {
  const secret = env.JWT_SECRET || DEV_JWT_SECRET;
  if (config.environment === "production" && secret === DEV_JWT_SECRET) {
    throw new TokenError("misconfigured", "JWT_SECRET is not set: refusing the development secret in production");
  }
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

/**
 * jose imports a raw (Uint8Array) HMAC key with crypto.subtle.importKey on every sign and verify;
 * every socket's ws_auth and every API call verifies one, so the imported key is kept per key.
 */
const cryptoKeys = new WeakMap<Uint8Array, CryptoKey>();

async function hmacKey(key: Uint8Array): Promise<CryptoKey> {
  // The key itself is cached, not the pending promise: a promise must not cross request contexts.
  let imported = cryptoKeys.get(key);
  if (!imported) {
    imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    cryptoKeys.set(key, imported);
  }
  return imported;
}

export async function signToken(
  claims: Omit<AccessClaims, "exp" | "iat"> | Omit<RtmClaims, "exp" | "iat">,
  ttlSeconds: number,
  key: Uint8Array,
  nowMs = Date.now(),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(await hmacKey(key));
}

/**
 * Tokens already verified, per signing key: a client's sockets (and a user's devices) share one
 * ws_token, so a connect burst would otherwise repeat the same HMAC for every socket. Keyed by the
 * whole token (signature included); expiry is checked again on every hit. Bounded, oldest first out.
 */
const verified = new WeakMap<Uint8Array, Map<string, Record<string, unknown>>>();
const VERIFIED_MAX = 4096;

export async function verifyToken<T extends TokenType>(
  token: string,
  typ: T,
  key: Uint8Array,
): Promise<T extends "access" ? AccessClaims : RtmClaims> {
  let cache = verified.get(key);
  if (!cache) verified.set(key, (cache = new Map()));
  const hit = cache.get(token);
  if (hit) {
    if ((hit.exp as number) * 1000 <= Date.now()) {
      cache.delete(token);
      throw new TokenError("expired", "token expired");
    }
    if (hit.typ !== typ) throw new TokenError("invalid", "invalid token");
    return hit as never;
  }
  const payload = await verifyUncached(token, typ, key);
  if (cache.size >= VERIFIED_MAX) cache.delete(cache.keys().next().value!);
  cache.set(token, payload);
  return payload as never;
}

async function verifyUncached(token: string, typ: TokenType, key: Uint8Array): Promise<Record<string, unknown>> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await hmacKey(key), { algorithms: ["HS256"] }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new TokenError("expired", "token expired");
    throw new TokenError("invalid", "invalid token");
  }
  const userId = payload.user_id;
  // A token issued in the future (beyond a minute of clock skew) is not yet valid.
  if (typeof payload.iat !== "number" || payload.iat > Date.now() / 1000 + 60) {
    throw new TokenError("invalid", "invalid token");
  }
  if (payload.typ !== typ || typeof userId !== "number" || !Number.isSafeInteger(userId) || typeof payload.exp !== "number") {
    throw new TokenError("invalid", "invalid token");
  }
  return payload;
}
