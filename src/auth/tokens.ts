import { SignJWT, decodeProtectedHeader, errors, jwtVerify } from "jose";
import type { Config } from "../config";

/**
 * Bearer (access) and websocket (rtm) tokens: HS256 JWTs told apart by a `typ` claim, so neither
 * is accepted where the other is expected. Both carry the session (`sid`) they were issued for, and
 * a `kid` header naming the secret that signed them, so a rotation can verify with the previous
 * secret while signing with the new one (docs/security.md, "Rotating JWT_SECRET").
 */
export const DEV_JWT_SECRET = "edge-realtime-development-secret-do-not-deploy";

export type TokenType = "access" | "rtm";

export interface AccessClaims {
  typ: "access";
  user_id: number;
  sid: number;
  exp: number;
  iat: number;
}

export interface RtmClaims {
  typ: "rtm";
  user_id: number;
  sid: number;
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

function keyOf(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

function refuseDevelopmentSecret(secret: string, config: Config, name: string): void {
  if (config.environment === "production" && secret === DEV_JWT_SECRET) {
    throw new TokenError("misconfigured", `${name} is not set: refusing the development secret in production`);
  }
}

/**
 * The signing key. Production (ENVIRONMENT=production, the wrangler.toml default) refuses to sign or
 * verify with the development secret, so a deploy without `wrangler secret put JWT_SECRET` fails loudly.
 */
export function signingKey(env: { JWT_SECRET?: string }, config: Config): Uint8Array {
  const secret = env.JWT_SECRET || DEV_JWT_SECRET;
  refuseDevelopmentSecret(secret, config, "JWT_SECRET");
  return keyOf(secret);
}

/** The keys a token may be verified with: the current secret, and the previous one during a rotation. */
export interface Keyring {
  current: Uint8Array;
  previous: Uint8Array | null;
}

const keyrings = new WeakMap<Uint8Array, Map<Uint8Array | null, Keyring>>();

function ringOf(current: Uint8Array, previous: Uint8Array | null): Keyring {
  let byPrevious = keyrings.get(current);
  if (!byPrevious) keyrings.set(current, (byPrevious = new Map()));
  let ring = byPrevious.get(previous);
  if (!ring) byPrevious.set(previous, (ring = { current, previous }));
  return ring;
}

export function verifyingKeys(env: { JWT_SECRET?: string; JWT_SECRET_PREVIOUS?: string }, config: Config): Keyring {
  const current = signingKey(env, config);
  const old = env.JWT_SECRET_PREVIOUS;
  if (!old) return ringOf(current, null);
  refuseDevelopmentSecret(old, config, "JWT_SECRET_PREVIOUS");
  const previous = keyOf(old);
  return ringOf(current, previous === current ? null : previous);
}

/**
 * A key's id: the first 16 characters of the base64url SHA-256 of "kid:" + secret. It names the
 * secret without revealing anything usable about it.
 */
const kids = new WeakMap<Uint8Array, string>();

export async function keyId(key: Uint8Array): Promise<string> {
  let kid = kids.get(key);
  if (!kid) {
    const prefix = new TextEncoder().encode("kid:");
    const input = new Uint8Array(prefix.length + key.length);
    input.set(prefix);
    input.set(key, prefix.length);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
    let bin = "";
    for (const b of digest) bin += String.fromCharCode(b);
    kid = btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").slice(0, 16);
    kids.set(key, kid);
  }
  return kid;
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
    .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: await keyId(key) })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(await hmacKey(key));
}

/**
 * Tokens already verified, per keyring: a client's sockets (and a user's devices) share one
 * ws_token, so a connect burst would otherwise repeat the same HMAC for every socket. Keyed by the
 * whole token (signature included); expiry is checked again on every hit. Bounded, oldest first out.
 * A rotation that drops the previous secret makes a new keyring, so its tokens miss this cache.
 * Whether the token's session is still live is not cached here (src/auth/sessionGate.ts).
 */
const verified = new WeakMap<Keyring, Map<string, Record<string, unknown>>>();
const VERIFIED_MAX = 4096;

export async function verifyToken<T extends TokenType>(
  token: string,
  typ: T,
  keys: Uint8Array | Keyring,
): Promise<T extends "access" ? AccessClaims : RtmClaims> {
  const ring = keys instanceof Uint8Array ? ringOf(keys, null) : keys;
  let cache = verified.get(ring);
  if (!cache) verified.set(ring, (cache = new Map()));
  const hit = cache.get(token);
  if (hit) {
    if ((hit.exp as number) * 1000 <= Date.now()) {
      cache.delete(token);
      throw new TokenError("expired", "token expired");
    }
    if (hit.typ !== typ) throw new TokenError("invalid", "invalid token");
    return hit as never;
  }
  const payload = await verifyUncached(token, typ, await keyFor(token, ring));
  if (cache.size >= VERIFIED_MAX) cache.delete(cache.keys().next().value!);
  cache.set(token, payload);
  return payload as never;
}

/** The key named by the token's `kid`; a token without one is checked against the current key. */
async function keyFor(token: string, ring: Keyring): Promise<Uint8Array> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new TokenError("invalid", "invalid token");
  }
  if (kid === undefined || kid === (await keyId(ring.current))) return ring.current;
  if (ring.previous && kid === (await keyId(ring.previous))) return ring.previous;
  throw new TokenError("invalid", "invalid token");
}

const isId = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v > 0;

async function verifyUncached(token: string, typ: TokenType, key: Uint8Array): Promise<Record<string, unknown>> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await hmacKey(key), { algorithms: ["HS256"] }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new TokenError("expired", "token expired");
    throw new TokenError("invalid", "invalid token");
  }
  // A token issued in the future (beyond a minute of clock skew) is not yet valid.
  if (typeof payload.iat !== "number" || payload.iat > Date.now() / 1000 + 60) {
    throw new TokenError("invalid", "invalid token");
  }
  if (payload.typ !== typ || !isId(payload.user_id) || !isId(payload.sid) || typeof payload.exp !== "number") {
    throw new TokenError("invalid", "invalid token");
  }
  return payload;
}
