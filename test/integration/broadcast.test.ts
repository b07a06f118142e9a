import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, channelSocket, channelStub } from "../helpers/workerd";

/**
 * The broadcast hot path: one pass over the sockets, each distinct filter set matched
 * once per event, seq kept in memory between writes. These prove the shortcuts change nothing a
 * client sees.
 */
describe("broadcast fast path", () => {
  it("sockets with the same, different and no filters each get exactly what their filters pass", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const postsOnly = [{ property: "event", value: "chat.postMessage" }];
    const typingOnly = [{ property: "type", value: "chat.userTyping" }];
    const sockets = await Promise.all([0, 1, 2, 3, 4].map(() => channelSocket(channel.id)));
    const [a1, a2, b1, b2, none] = sockets as [typeof sockets[0], typeof sockets[0], typeof sockets[0], typeof sockets[0], typeof sockets[0]];
    for (const ws of [a1, a2, none]) await ws.auth(alice.wsToken);
    for (const ws of [b1, b2]) await ws.auth(bob.wsToken);
    // Interleave the filter sets so consecutive sockets alternate between matchers.
    const filters = [[a1, postsOnly], [b1, typingOnly], [a2, postsOnly], [b2, typingOnly]] as const;
    for (const [ws, list] of filters) {
      ws.send({ type: "filter", correlationId: "f", filters: list });
      expect(await ws.reply("f")).toMatchObject({ type: "success" });
    }

    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "one" }, alice.token);
    for (const ws of [a1, a2, none]) expect((await ws.event("chat.postMessage")).payload.message).toEqual(message);
    for (const ws of [b1, b2]) await ws.nothing((f) => f.event === "chat.postMessage");

    a1.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    for (const ws of [b1, b2]) expect((await ws.event("chat.userTyping")).payload.user.id).toBe(alice.user.id);
    // Typing goes to other users only, and a posts-only filter keeps it from Alice's sockets anyway.
    for (const ws of [a1, a2, none]) await ws.nothing((f) => f.event === "chat.userTyping");
    for (const ws of sockets) ws.close();
  });

  it("seq continues by one across posts and after the room is evicted", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "1" }, alice.token);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "2" }, alice.token);
    expect((await ws.event("chat.postMessage")).meta.seq).toBe(1);
    expect((await ws.event("chat.postMessage")).meta.seq).toBe(2);
    ws.close();

    await evictDurableObject(channelStub(channel.id));
    const again = await channelSocket(channel.id);
    expect((await again.auth(alice.wsToken)).payload.seq).toBe(2);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "3" }, alice.token);
    expect((await again.event("chat.postMessage")).meta.seq).toBe(3);
    again.close();
  });
});
