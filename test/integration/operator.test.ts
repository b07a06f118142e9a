import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pinLogLevel } from "../../src/ops/log";
import { advanceAndRunAlarm, api, BASE, channelObjects, channelSocket } from "../helpers/workerd";

async function systemInfo(token: string | null, query = "") {
  const res = await SELF.fetch(`${BASE}/api/v1/system.info${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("system.info", () => {
  it("refuses without the operator token, with a wrong one, and with a user's bearer token", async () => {
    const alice = await api.newUser("Alice");
    for (const token of [null, "wrong", alice.token]) {
      const r = await systemInfo(token);
      expect(r.status).toBe(401);
      expect(r.body.meta).toMatchObject({ ok: false, code: "operator_only" });
    }
  });

  it("counts connections and messages of a known load", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    // channel.create with an invitee posted one bot message before any socket was open.
    const sockets = [await channelSocket(channel.id), await channelSocket(channel.id), await channelSocket(channel.id)];
    await sockets[0]!.auth(alice.wsToken);
    await sockets[1]!.auth(bob.wsToken);
    await sockets[2]!.auth(bob.wsToken);
    for (let i = 0; i < 5; i++) await api.ok("chat.postmessage", { channel_id: channel.id, text: `m${i}` }, alice.token);
    for (const s of sockets) for (let i = 0; i < 5; i++) await s.event("chat.postMessage");

    // The room reports at its ping check: 26 s of silence also pings each socket once.
    // (Each object holding the sockets reports its own row: one room, or the room and its shards.)
    const objects = channelObjects(channel.id, sockets.length);
    for (const o of objects) await advanceAndRunAlarm(o.stub, 26_000);
    for (const s of sockets) await s.event("ping");

    const r = await systemInfo("test-operator-token", "?rooms=1");
    expect(r.status).toBe(200);
    expect(r.body.system.version).toMatch(/^\d+\.\d+\.\d+/);
    const rows = r.body.system.rooms.filter((x: any) => objects.some((o) => o.name === x.room));
    expect(rows).toHaveLength(objects.length);
    const sum = (field: string) => rows.reduce((n: number, x: any) => n + x[field], 0);
    const row = { connections: sum("connections"), messages_in: sum("messages_in"), messages_out: sum("messages_out"), alarm_at: Math.min(...rows.map((x: any) => x.alarm_at)) };
    // in: 3 ws_auth + 5 posts; out: every frame the three sockets received (rtm.ready, presence,
    // 3×5 chat.postMessage, 3 pings)
    const received = sockets.reduce((n, s) => n + s.raw.length, 0);
    expect(received).toBeGreaterThanOrEqual(21);
    expect(row).toMatchObject({ connections: 3, messages_in: 8, messages_out: received });
    expect(row.alarm_at).toBeGreaterThan(0);
    expect(r.body.system.live_connections).toBeGreaterThanOrEqual(3);
    expect(r.body.system.alarms_pending).toBeGreaterThanOrEqual(1);
    for (const s of sockets) s.close();
  });
});

/** Every console line written from now on (restored by the afterEach below). */
function captureConsole(): string[] {
  const lines: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
  }
  return lines;
}

describe("logs", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    pinLogLevel(null);
  });

  it("carry structure and never a password, token or message text", async () => {
    const lines = captureConsole();
    pinLogLevel("debug");
    const secretText = "the-secret-message-text-4711";
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: secretText }, alice.token);
    await ws.event("chat.postMessage");
    await api.call("user.login", { email: alice.email, password: "wrong password 123" });
    ws.send({ command: "ws_ephemeral_typing", channel_id: 999 }); // an error reply, logged nowhere near the token
    await ws.next((f) => f.type === "error");
    ws.close();

    expect(lines.length).toBeGreaterThan(3);
    const requests = lines.map((l) => JSON.parse(l)).filter((r) => r.msg === "request");
    expect(requests.some((r) => r.path === "/api/v1/chat.postmessage" && r.status === 200 && r.user_id === alice.user.id)).toBe(true);
    expect(requests.every((r) => typeof r.rid === "string" && r.level)).toBe(true);
    for (const forbidden of [secretText, alice.password, "wrong password 123", alice.token, alice.wsToken, alice.email]) {
      expect(lines.join("\n")).not.toContain(forbidden);
    }
  });

  it("log a failed request at info and a successful one only at debug", async () => {
    const lines = captureConsole();
    pinLogLevel("info");
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "hello" }, alice.token);
    await api.call("chat.postmessage", { channel_id: channel.id, text: "" }, alice.token);
    const requests = lines.map((l) => JSON.parse(l)).filter((r) => r.msg === "request" && r.path === "/api/v1/chat.postmessage");
    expect(requests.map((r) => [r.level, r.status])).toEqual([["info", 422]]);
  });
});
