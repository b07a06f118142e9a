import { describe, expect, inject, it } from "vitest";
import { connect, nodeApi, wsUrl } from "../helpers/node";

const base = inject("baseUrl");
const api = nodeApi(base);

/**
 * The message-life features with real `ws` clients against `npm start`: every timer here is the
 * room's real alarm (no test hooks), so coalesced updates arrive about a second later.
 */
describe("message life against `npm start`", () => {
  it("react, read, unread counts, alerts and a lock, on one user stream and one channel socket", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "life");

    const aliceWs = await connect(wsUrl(base, `/rtm/ws/channel/${channel.id}`));
    await aliceWs.auth(alice.wsToken);
    const bobStream = await connect(bob.wsEndpoint);
    await bobStream.auth(bob.wsToken);

    // a mention alerts bob; the new message reaches his unread count (coalesced, real alarm)
    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: `hi @${bob.user.id}` }, alice.token);
    const alert = await bobStream.event("alert.notification");
    expect(alert.payload).toMatchObject({ message_id: message.id, channel_id: channel.id, is_read: false, from: [{ id: alice.user.id }] });
    const unread = await bobStream.next((f) => f.event === "chat.unreadCountUpdate" && f.payload.channel_unread_count === 2, 10_000);
    expect(unread.payload).toEqual({ total_unread_count: 2, channel_id: channel.id, channel_unread_count: 2, oldest_unread_message_id: 1 });

    // bob reacts and reads through his single user stream
    bobStream.send({ command: "ws_add_reaction", channel_id: channel.id, message_id: message.id, emoji_value: "U 1F600", correlationId: 1 });
    expect(await bobStream.reply(1)).toMatchObject({ type: "success" });
    expect((await aliceWs.event("chat.updateMessage")).payload.message.emoticons).toEqual([
      { uid: bob.user.id, dn: "Bob", ev: "U 1F600" },
    ]);
    bobStream.send({ command: "ws_read_notification", channel_id: channel.id, message_id: message.id });
    expect((await aliceWs.event("chat.updateMessage")).payload.message).toMatchObject({ read_users: [bob.user.id], read_user_count: 1 });
    expect((await bobStream.event("chat.unreadCountUpdate")).payload).toEqual({
      total_unread_count: 0,
      channel_id: channel.id,
      channel_unread_count: 0,
      oldest_unread_message_id: 0,
    });

    // a one-second lock expires by the room's alarm and is announced
    const { lock } = await api.ok("lock.acquire", { channel_id: channel.id, path: "/cf/doc.txt", ttl_seconds: 1 }, bob.token);
    expect((await aliceWs.event("lock.acquire")).payload).toEqual(lock);
    expect((await aliceWs.event("lock.release", 10_000)).payload).toEqual(lock);
    aliceWs.close();
    bobStream.close();
  });
});
