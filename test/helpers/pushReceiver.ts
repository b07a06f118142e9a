/**
 * A stand-in push service for e2e tests: a node `http` server that records every push request and
 * answers with the status the test's responder picks, plus what a browser does on its side,
 * written here from the RFCs and independently of the server's code: a P-256 key pair and a
 * 16-byte auth secret per subscription (`BrowserKeys`), RFC 8291 decryption (aes128gcm) and RFC
 * 8292 VAPID verification.
 */
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify as verifySignature } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface PushRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  status: number;
  at: number;
}

export type PushResponder = (r: PushRequest, attempt: number) => number;

export class PushReceiver {
  readonly requests: PushRequest[] = [];
  respond: PushResponder = () => 201;
  private server!: Server;
  origin = "";

  static async start(): Promise<PushReceiver> {
    const r = new PushReceiver();
    r.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
        const request: PushRequest = { path: req.url ?? "", headers, body: Buffer.concat(chunks), status: 0, at: Date.now() };
        request.status = r.respond(request, r.requests.filter((x) => x.path === request.path).length + 1);
        r.requests.push(request);
        res.statusCode = request.status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => r.server.listen(0, "127.0.0.1", resolve));
    r.origin = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  to(path: string): PushRequest[] {
    return this.requests.filter((x) => x.path === path);
  }

  async waitFor(pred: () => boolean, timeoutMs = 15_000, what = "push requests"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.requests.map((x) => [x.path, x.status]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const b64u = (b: Buffer) => b.toString("base64url");

/** What `pushManager.subscribe()` makes: a P-256 key pair and a 16-byte auth secret. */
export class BrowserKeys {
  private readonly ecdh = createECDH("prime256v1");
  readonly auth = randomBytes(16);
  readonly publicKey: Buffer;

  constructor() {
    this.publicKey = this.ecdh.generateKeys() as Buffer; // uncompressed point, 65 bytes
  }

  subscription(endpoint: string) {
    return { endpoint, expirationTime: null, keys: { p256dh: b64u(this.publicKey), auth: b64u(this.auth) } };
  }

  /** RFC 8291 §3-4 and RFC 8188: the plaintext of an aes128gcm body sent to these keys. */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const rs = body.readUInt32BE(16);
    const idlen = body[20]!;
    const serverPublic = body.subarray(21, 21 + idlen);
    const ciphertext = body.subarray(21 + idlen);
    if (ciphertext.length > rs) throw new Error("more than one record");
    const hmac = (key: Buffer, data: Buffer) => createHmac("sha256", key).update(data).digest();
    const ecdhSecret = this.ecdh.computeSecret(serverPublic);
    const prkKey = hmac(this.auth, ecdhSecret);
    const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), this.publicKey, serverPublic, Buffer.from([1])]);
    const ikm = hmac(prkKey, keyInfo);
    const prk = hmac(salt, ikm);
    const cek = hmac(prk, Buffer.from("Content-Encoding: aes128gcm\0\x01", "binary")).subarray(0, 16);
    const nonce = hmac(prk, Buffer.from("Content-Encoding: nonce\0\x01", "binary")).subarray(0, 12);
    const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    // The last record ends with 0x02, then zero padding.
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    if (padded[end] !== 2) throw new Error("no last-record delimiter");
    return padded.subarray(0, end).toString("utf8");
  }
}

/**
 * RFC 8292 §3: `Authorization: vapid t=<JWT>, k=<public key>`. Checks the ES256 signature against
 * `expectedKey` and returns the claims.
 */
export function verifyVapid(authorization: string, expectedKey: string): { aud: string; exp: number; sub: string; k: string } {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!m) throw new Error(`not a vapid authorization: ${authorization}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  if (k !== expectedKey) throw new Error("k is not the published VAPID key");
  const [h, p, s] = jwt.split(".") as [string, string, string];
  const header = JSON.parse(Buffer.from(h, "base64url").toString());
  if (header.alg !== "ES256") throw new Error(`alg ${header.alg}`);
  const point = Buffer.from(k, "base64url");
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) }, format: "jwk" });
  const ok = verifySignature("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
  if (!ok) throw new Error("VAPID signature does not verify");
  return { ...JSON.parse(Buffer.from(p, "base64url").toString()), k };
}
