import { afterAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { report, tried } from "../helpers/hostile";
import { connect, nodeApi, wsUrl } from "../helpers/node";
import { freePort, startServer } from "../helpers/server";

const base = inject("baseUrl");
const api = nodeApi(base);

afterAll(() => report("e2e hostile"));

/**
 * The Rate Limiting binding counts in windows aligned to the clock (miniflare: whole minutes). A
 * flood that straddles a rollover would start counting again, so each flood starts in a fresh
 * window with time to spare.
 */
async function freshWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 25_000) await new Promise((r) => setTimeout(r, left + 50));
}

/**
 * A malformed request (422 once past the limiter; no account's lockout involved) to `route` from
 * `ip`. Malformed, so the limiter alone can answer 429.
 */
function malformed(route: "user.create" | "user.login", ip: string): Promise<Response> {
  return fetch(`${base}/api/v1/${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify({ email: "not-an-email" }),
  });
}

/** `n` malformed requests to `route` from `ip`, one after another: every status, and the last answer. */
async function flood(route: "user.create" | "user.login", ip: string, n: number): Promise<{ statuses: number[]; last: Response }> {
  const statuses: number[] = [];
  let last: Response | undefined;
  for (let i = 0; i < n; i++) {
    last = await malformed(route, ip);
    statuses.push(last.status);
    tried(`${route} flood`);
  }
  return { statuses, last: last! };
}

describe("per-IP limits (the IP_LIMITER rate-limiting binding: 300 per IP and route per minute)", () => {
  it("user.create from one address: 300 pass the limiter, then 429 with Retry-After", async () => {
    await freshWindow();
    const { statuses, last } = await flood("user.create", `203.0.113.${Math.floor(Math.random() * 250) + 1}`, 302);
    expect(statuses.slice(0, 300).every((s) => s === 422)).toBe(true);
    expect(statuses.slice(300)).toEqual([429, 429]);
    expect(Number(last.headers.get("retry-after"))).toBe(60);
    expect(((await last.json()) as any).meta).toMatchObject({ ok: false, code: "rate_limited" });
    // another address is not affected
    expect((await malformed("user.create", "198.51.100.77")).status).toBe(422);
  });

  it("user.login from one address: 300 pass the limiter, then 429 with Retry-After", async () => {
    await freshWindow();
    const { statuses, last } = await flood("user.login", `203.0.114.${Math.floor(Math.random() * 250) + 1}`, 301);
    expect(statuses.slice(0, 300).every((s) => s === 422)).toBe(true);
    expect(statuses[300]).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBe(60);
    expect(((await last.json()) as any).meta).toMatchObject({ ok: false, code: "rate_limited" });
  });

  it("loopback (development) is never limited: 320 logins and upgrades from 127.0.0.1 all pass", async () => {
    await freshWindow();
    const statuses = new Set<number>();
    for (let i = 0; i < 320; i++) {
      statuses.add((await malformed("user.login", "127.0.0.1")).status);
      statuses.add((await upgradeFrom("/rtm/ws/channel/not-a-number", "127.0.0.1")).status);
      tried("loopback flood", 2);
    }
    expect([...statuses].sort()).toEqual([400, 422]);
  });

  it("websocket upgrades from one address are limited the same way", async () => {
    await freshWindow();
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const statuses: number[] = [];
    for (let i = 0; i < 301; i++) {
      statuses.push((await upgradeFrom("/rtm/ws/channel/not-a-number", ip)).status);
      tried("upgrade flood");
    }
    expect(statuses.slice(0, 300).every((s) => s === 400)).toBe(true);
    expect(statuses[300]).toBe(429);
  });

  it("well-formed upgrades (which skip the router) are counted too: 300 open, then 429 rate_limited", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, []);
    await freshWindow();
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const statuses: number[] = [];
    let last = { status: 0, body: "" };
    for (let i = 0; i < 301; i++) {
      last = await upgradeFrom(`/rtm/ws/channel/${channel.id}`, ip);
      statuses.push(last.status);
      tried("upgrade flood (well-formed)");
    }
    expect(statuses.slice(0, 300).every((s) => s === 101)).toBe(true);
    expect(statuses[300]).toBe(429);
    expect(JSON.parse(last.body).meta).toMatchObject({ ok: false, code: "rate_limited" });
  });
});

/** One upgrade attempt from `ip`: 101 (then closed at once), the refusal's status and body, or -1. */
function upgradeFrom(path: string, ip: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(base, path), { headers: { "cf-connecting-ip": ip } });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
        ws.terminate();
      });
    });
    ws.on("open", () => {
      resolve({ status: 101, body: "" });
      ws.terminate();
    });
    ws.on("error", () => resolve({ status: -1, body: "" }));
  });
}

describe("flooding a socket", () => {
  it("a sustained command flood closes 4029; single excess typing events are just dropped", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const watcher = await connect(wsUrl(base, `/rtm/ws/channel/${channel.id}`));
    await watcher.auth(bob.wsToken);
    const ws = await connect(wsUrl(base, `/rtm/ws/channel/${channel.id}`));
    await ws.auth(alice.wsToken);
    // two typing events in a row: the second is dropped silently, the socket stays open
    ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    await watcher.event("chat.userTyping");
    await watcher.nothing((f) => f.event === "chat.userTyping", 400);
    expect(ws.closed).toBeNull();
    for (let i = 0; i < 200; i++) ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    tried("flood frame", 200);
    expect((await ws.waitClose()).code).toBe(4029);
    // the room still serves everyone else
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "after flood" }, bob.token);
    expect((await watcher.event("chat.postMessage")).payload.message.content).toBe("after flood");
    watcher.close();
  });
});

describe("a client that never reads", () => {
  it("does not slow down or break delivery to the others", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const stuck = new WebSocket(wsUrl(base, `/rtm/ws/channel/${channel.id}`));
    await new Promise((r) => stuck.once("open", r));
    stuck.send(JSON.stringify({ command: "ws_auth", auth_token: bob.wsToken }));
    await new Promise((r) => stuck.once("message", r));
    // Stop reading from the TCP socket: the server's frames pile up in buffers.
    (stuck as unknown as { _socket: { pause(): void } })._socket.pause();

    const reader = await connect(wsUrl(base, `/rtm/ws/channel/${channel.id}`));
    await reader.auth(alice.wsToken);
    const big = "x".repeat(8000);
    const N = 150;
    const posts: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) posts.push(api.ok("chat.postmessage", { channel_id: channel.id, text: `${i} ${big}` }, alice.token));
    await Promise.all(posts);
    tried("frames to a stalled reader", N);
    const seqs: number[] = [];
    for (let i = 0; i < N; i++) seqs.push((await reader.event("chat.postMessage", 15_000)).meta.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(N);
    stuck.terminate();
    reader.close();
  });
});

describe("production refuses the development secret", () => {
  it("a worker started without ENVIRONMENT=development and without JWT_SECRET answers 500 misconfigured", async () => {
    const port = await freePort();
    const server = await startServer(port, 90_000, ["--persist-to", `/tmp/edge-realtime-prod-${port}`], [
      "npx",
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
    ]);
    try {
      const res = await fetch(`${server.base}/api/v1/user.info`, { headers: { authorization: "Bearer anything" } });
      expect(res.status).toBe(500);
      expect(((await res.json()) as any).meta).toMatchObject({ ok: false, code: "misconfigured" });
    } finally {
      await server.stop();
    }
  });
});
