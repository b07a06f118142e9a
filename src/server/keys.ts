import { z } from "zod";

/**
 * Server API keys: what a backend uses instead of a user's token. The secret is `srk_` + 32 random
 * bytes (base64url), shown once; D1 keeps only its SHA-256, so a plain hash suffices (the secret
 * has full entropy; there is nothing to guess).
 */
export const SCOPES = ["publish", "members", "moderate", "read"] as const;
export type Scope = (typeof SCOPES)[number];

export const KeyObject = z
  .object({
    key_id: z.number().int(),
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    prefix: z.string().describe("the secret's first characters, to tell keys apart"),
    created_on_ts: z.number().int(),
    revoked: z.boolean(),
  })
  .meta({
    id: "ServerKey",
    examples: [{ key_id: 2, name: "ci-bot", scopes: ["publish", "read"], prefix: "sk_live_3f9a", created_on_ts: 1571330672000, revoked: false }],
  });
export type KeyObject = z.output<typeof KeyObject>;

interface KeyRow {
  id: number;
  name: string;
  scopes: string;
  prefix: string;
  created_on: number;
  revoked_on: number | null;
}

function toObject(row: KeyRow): KeyObject {
  return {
    key_id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Scope[],
    prefix: row.prefix,
    created_on_ts: Math.floor(row.created_on / 1000),
    revoked: row.revoked_on !== null,
  };
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The form of every key this service issues; anything else is not looked up at all. */
export const KEY_PATTERN = /^srk_[A-Za-z0-9_-]{43}$/;

export class KeyStore {
  constructor(private readonly db: D1Database) {}

  async create(name: string, scopes: Scope[], now: number): Promise<{ key: KeyObject; secret: string }> {
    const secret = `srk_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
    const row = await this.db
      .prepare("INSERT INTO server_keys (name, scopes, key_hash, prefix, created_on) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING *")
      .bind(name, JSON.stringify(scopes), await hashSecret(secret), secret.slice(0, 8), now)
      .first<KeyRow>();
    return { key: toObject(row!), secret };
  }

  async list(): Promise<KeyObject[]> {
    const { results } = await this.db.prepare("SELECT * FROM server_keys ORDER BY id").all<KeyRow>();
    return results.map(toObject);
  }

  /** The revoked key's hash (to drop it from this isolate's cache), or null when there is no such live key. */
  async revoke(id: number, now: number): Promise<string | null> {
    const row = await this.db
      .prepare("UPDATE server_keys SET revoked_on = ?2 WHERE id = ?1 AND revoked_on IS NULL RETURNING key_hash")
      .bind(id, now)
      .first<{ key_hash: string }>();
    return row?.key_hash ?? null;
  }

  /** The live key with this hash, or null. */
  async byHash(hash: string): Promise<KeyObject | null> {
    const row = await this.db.prepare("SELECT * FROM server_keys WHERE key_hash = ?1 AND revoked_on IS NULL").bind(hash).first<KeyRow>();
    return row ? toObject(row) : null;
  }
}
