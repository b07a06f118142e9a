import { runInDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { report, tried } from "../helpers/hostile";
import { api, channelSocket, channelStub } from "../helpers/workerd";

afterAll(() => report("budgets"));

describe("budgets", () => {
  it("the largest filter set allowed keeps the socket attachment well under the runtime's 16 KiB", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    const filters = Array.from({ length: 32 }, (_, i) => ({
      property: `payload.${"p".repeat(118)}${String(i).padStart(2, "0")}`.slice(0, 128),
      value: "v".repeat(128),
    }));
    ws.send({ type: "filter", correlationId: "max", filters });
    expect(await ws.reply("max")).toMatchObject({ type: "success" });
    tried("maximal filter set");
    const size = await runInDurableObject(channelStub(channel.id), (_room, state) =>
      Math.max(...state.getWebSockets().map((s) => JSON.stringify(s.deserializeAttachment()).length)),
    );
    expect(size).toBeGreaterThan(32 * 128 * 2);
    expect(size).toBeLessThan(10 * 1024);
    // one more filter, or a longer value, is refused and the old filters stay
    ws.send({ type: "filter", correlationId: "over", filters: [...filters, { property: "event", value: "x" }] });
    expect(await ws.reply("over")).toMatchObject({ type: "error" });
    ws.send({ type: "filter", correlationId: "long", filters: [{ property: "event", value: "v".repeat(129) }] });
    expect(await ws.reply("long")).toMatchObject({ type: "error" });
    ws.send({ type: "filter", correlationId: "prop", filters: [{ property: "p".repeat(129), value: "x" }] });
    expect(await ws.reply("prop")).toMatchObject({ type: "error" });
    tried("oversized filter set", 3);
    ws.close();
  });

  it("no response ever carries a password, its hash, or another user's token", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const bodies: string[] = [];
    for (const [m, p, t] of [
      ["user.info", {}, alice.token],
      ["user.login", { email: alice.email, password: alice.password }, undefined],
      ["channel.info", { channel_id: channel.id }, alice.token],
      ["channel.members", { channel_id: channel.id }, bob.token],
      ["channel.list", {}, bob.token],
      ["user.profile.set", { name: "Alice Two" }, alice.token],
    ] as const) {
      bodies.push(JSON.stringify((await api.call(m, p, t)).body));
    }
    const all = bodies.join("\n");
    expect(all).not.toContain(alice.password);
    expect(all).not.toContain("pbkdf2$");
    expect(all).not.toContain("password");
    expect(all).not.toContain(bob.token);
  });
});

describe("unauthenticated sockets per room (MAX_UNAUTHENTICATED_PER_ROOM, 20 in these tests)", () => {
  it("the upgrade beyond the cap is refused with 429 until one authenticates or goes", async () => {
    const { SELF } = await import("cloudflare:test");
    const { BASE } = await import("../helpers/workerd");
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const pending = [];
    for (let i = 0; i < 20; i++) pending.push(await channelSocket(channel.id));
    const refused = await SELF.fetch(`${BASE}/rtm/ws/channel/${channel.id}`, { headers: { Upgrade: "websocket" } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(((await refused.json()) as any).meta).toMatchObject({ ok: false, code: "too_many_pending" });
    tried("upgrade beyond the pending cap");
    // one authenticates: room for one more
    await pending[0]!.auth(alice.wsToken);
    const next = await channelSocket(channel.id);
    await next.auth(alice.wsToken);
    for (const s of [...pending, next]) s.close();
  });
});
