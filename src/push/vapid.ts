import { fromBase64Url, toBase64Url } from "./base64url";
import type { VapidKeys } from "./keys";

/**
 * The VAPID `Authorization` header (RFC 8292 §3): an ES256 JWT naming the push service's origin
 * (`aud`), an expiry (`exp`, at most 24 h ahead) and the contact (`sub`), plus the public key.
 * Signing is the costly part, so each isolate keeps one token per origin and public key and
 * reuses it for REUSE_MS: half its lifetime, so a token is never sent close to its expiry.
 */
const LIFETIME_S = 23 * 3600;
const REUSE_MS = 12 * 3600 * 1000;

const tokens = new Map<string, { header: string; until: number }>();
const signers = new Map<string, Promise<CryptoKey>>();

function signer(keys: VapidKeys): Promise<CryptoKey> {
  let key = signers.get(keys.privateKey);
  if (!key) {
    const pub = fromBase64Url(keys.publicKey);
    if (!pub || pub.length !== 65 || pub[0] !== 4) throw new Error("VAPID public key is not an uncompressed P-256 point");
    key = crypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", x: toBase64Url(pub.slice(1, 33)), y: toBase64Url(pub.slice(33, 65)), d: keys.privateKey, ext: true },
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign"],
    );
    key.catch(() => signers.delete(keys.privateKey));
    signers.set(keys.privateKey, key);
  }
  return key;
}

const json64 = (o: object) => toBase64Url(new TextEncoder().encode(JSON.stringify(o)));

export async function vapidAuthorization(endpoint: string, keys: VapidKeys, nowMs = Date.now()): Promise<string> {
  const aud = new URL(endpoint).origin;
  const cacheKey = `${keys.publicKey}|${aud}`;
  const hit = tokens.get(cacheKey);
  if (hit && hit.until > nowMs) return hit.header;
  const input = `${json64({ typ: "JWT", alg: "ES256" })}.${json64({ aud, exp: Math.floor(nowMs / 1000) + LIFETIME_S, sub: keys.subject })}`;
  // WebCrypto's ECDSA signature is r || s, which is exactly JWS's ES256 encoding.
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, await signer(keys), new TextEncoder().encode(input));
  const header = `vapid t=${input}.${toBase64Url(sig)}, k=${keys.publicKey}`;
  tokens.set(cacheKey, { header, until: nowMs + REUSE_MS });
  return header;
}

/** Drops the cached tokens (tests). */
export function forgetVapidTokens(): void {
  tokens.clear();
}
