import { describe, expect, it } from "vitest";
import { channelWs, post, trio, userWs } from "../helpers/life";
import { api } from "../helpers/workerd";

describe("message life: authorization (roles)", () => {
  it("a non-member gets 403 on every message-life channel route and changes nothing", async () => {
    const { alice, channel } = await trio();
    const mallory = await api.newUser("Mallory");
    const msg = await post(alice.token, channel.id, "private");
    const { lock } = await api.ok("lock.acquire", { channel_id: channel.id, path: "/p" }, alice.token);
    const ws = await channelWs(channel.id, alice.wsToken);
    const c = channel.id;
    const routes: [string, Record<string, unknown>][] = [
      ["chat.updatemessage", { channel_id: c, message_id: msg.id, text: "owned" }],
      ["chat.deletemessage", { channel_id: c, message_id: msg.id }],
      ["chat.reactmessage", { channel_id: c, message_id: msg.id, emoji_value: "x" }],
      ["action.create", { channel_id: c, action_name: "intrusion" }],
      ["lock.acquire", { channel_id: c, path: "/q" }],
      ["lock.refresh", { channel_id: c, lock_id: lock.lock_id }],
      ["lock.release", { channel_id: c, lock_id: lock.lock_id }],
    ];
    for (const [route, params] of routes) {
      const r = await api.call(route, params, mallory.token);
      expect(r.status, route).toBe(403);
      expect(r.body.meta.code, route).toBe("not_a_member");
      expect(JSON.stringify(r.body), route).not.toContain("private");
    }
    const stream = await userWs(mallory.user.id, mallory.wsToken);
    for (const command of [
      { command: "ws_add_reaction", channel_id: c, message_id: msg.id, emoji_value: "x" },
      { command: "ws_remove_reaction", channel_id: c, message_id: msg.id, emoji_value: "x" },
      { command: "ws_read_notification", channel_id: c, message_id: msg.id },
      { command: "ws_all_read_notification", channel_id: c },
    ]) {
      stream.send({ ...command, correlationId: command.command });
      expect(await stream.reply(command.command), command.command).toMatchObject({
        type: "error",
        error: "you are not a member of this channel",
      });
    }
    // nothing durable happened (unread pushes for alice's own post may arrive; they carry no seq)
    await ws.nothing((f) => f.meta?.seq !== undefined);
    const history = await api.ok("channel.history", { channel_id: c }, alice.token);
    expect(history.messages.at(-1)).toEqual(msg);
    // the lock is still alice's
    const again = await api.ok("lock.acquire", { channel_id: c, path: "/p" }, alice.token);
    expect(again.lock.lock_id).toBe(lock.lock_id);
    ws.close();
    stream.close();
  });

  it("a channel that does not exist answers 404 on every message-life route", async () => {
    const alice = await api.newUser("Alice");
    const c = 987654;
    for (const [route, params] of [
      ["chat.updatemessage", { channel_id: c, message_id: 1, text: "x" }],
      ["chat.reactmessage", { channel_id: c, message_id: 1, emoji_value: "x" }],
      ["action.create", { channel_id: c, action_name: "x" }],
      ["lock.acquire", { channel_id: c, path: "/x" }],
      ["lock.refresh", { channel_id: c, lock_id: 1 }],
      ["lock.release", { channel_id: c, lock_id: 1 }],
    ] as const) {
      const r = await api.call(route, params, alice.token);
      expect(r.status, route).toBe(404);
      expect(r.body.meta.code, route).toBe("channel_not_found");
    }
  });
});
