import { describe, expect, it } from "vitest";
import { channelWs, holdAlarms, post, trio, userWs } from "../helpers/life";
import { evictDurableObject } from "cloudflare:test";
import { advanceAndRunAlarm, api, channelStub } from "../helpers/workerd";

const isUnread = (f: Record<string, any>) => f.event === "chat.unreadCountUpdate";
const isUpdate = (f: Record<string, any>) => f.event === "chat.updateMessage";

describe("ws_read_notification", () => {
  it("adds the reader to read_users (chat.updateMessage with seq) and sends the reader's unread counts to their stream and channel sockets", async () => {
    const { alice, bob, carol, channel } = await trio();
    await holdAlarms(channel.id); // bob's state is now pushed: 1 unread (the bot message)
    const m2 = await post(alice.token, channel.id, "two");
    const m3 = await post(alice.token, channel.id, "three");
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const bobWs = await channelWs(channel.id, bob.wsToken);
    const carolWs = await channelWs(channel.id, carol.wsToken);

    bobWs.send({ command: "ws_read_notification", channel_id: String(channel.id), message_id: String(m2.id), correlationId: "r" });
    const ev = await carolWs.event("chat.updateMessage");
    expect(ev).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: 4 },
      event: "chat.updateMessage",
      payload: { message: { ...m2, read_users: [bob.user.id], read_user_count: 1 } },
    });
    const expected = {
      meta: { api: "v1", time: expect.any(Number) },
      event: "chat.unreadCountUpdate",
      payload: { total_unread_count: 1, channel_id: channel.id, channel_unread_count: 1, oldest_unread_message_id: m3.id },
    };
    expect(await bobStream.event("chat.unreadCountUpdate")).toEqual(expected);
    expect(await bobWs.event("chat.unreadCountUpdate")).toEqual(expected);
    // the command's success reply follows its effects
    expect(await bobWs.reply("r")).toMatchObject({ type: "success" });
    await carolWs.nothing(isUnread);

    const history = await api.ok("channel.history", { channel_id: channel.id }, carol.token);
    expect(history.messages.find((m: any) => m.id === m2.id)).toMatchObject({ read_users: [bob.user.id], read_user_count: 1 });
    for (const ws of [bobStream, bobWs, carolWs]) ws.close();
  });

  it("coalesces readers of one message to at most one chat.updateMessage per second", async () => {
    const { alice, bob, carol, channel } = await trio();
    await holdAlarms(channel.id);
    const msg = await post(alice.token, channel.id, "read me");
    const aliceWs = await channelWs(channel.id, alice.wsToken);
    const bobWs = await channelWs(channel.id, bob.wsToken);
    const carolWs = await channelWs(channel.id, carol.wsToken);

    bobWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: msg.id });
    const first = await aliceWs.event("chat.updateMessage");
    expect(first.payload.message.read_users).toEqual([bob.user.id]);

    carolWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: msg.id, correlationId: 1 });
    await carolWs.reply(1);
    aliceWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: msg.id, correlationId: 2 });
    await aliceWs.reply(2);
    bobWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: msg.id, correlationId: 3 }); // again: no change
    await bobWs.reply(3);
    await aliceWs.nothing(isUpdate);

    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    const folded = await aliceWs.event("chat.updateMessage");
    expect(folded).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: first.meta.seq + 1 },
      event: "chat.updateMessage",
      payload: { message: { ...msg, read_users: [bob.user.id, carol.user.id, alice.user.id], read_user_count: 3 } },
    });
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    await aliceWs.nothing(isUpdate);
    for (const ws of [aliceWs, bobWs, carolWs]) ws.close();
  });

  it("a reader folded into the next event survives eviction: the alarm announces them", async () => {
    const { alice, bob, carol, channel } = await trio();
    await holdAlarms(channel.id);
    const msg = await post(alice.token, channel.id, "read me");
    const aliceWs = await channelWs(channel.id, alice.wsToken);
    const bobWs = await channelWs(channel.id, bob.wsToken);
    bobWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: msg.id });
    await aliceWs.event("chat.updateMessage");
    const stream = await userWs(carol.user.id, carol.wsToken);
    stream.send({ command: "ws_read_notification", channel_id: channel.id, message_id: msg.id, correlationId: "c" });
    await stream.reply("c");
    await aliceWs.nothing(isUpdate);

    const stub = channelStub(channel.id);
    await evictDurableObject(stub);
    await advanceAndRunAlarm(stub, 61_000); // the evicted instance's clock restarted at real time
    expect((await aliceWs.event("chat.updateMessage")).payload.message).toEqual({
      ...msg,
      read_users: [bob.user.id, carol.user.id],
      read_user_count: 2,
    });
    for (const ws of [aliceWs, bobWs, stream]) ws.close();
  });

  it("rejects a message of another channel, an unknown or deleted message, with an error reply; the socket stays open", async () => {
    const { alice, bob, channel } = await trio();
    const other = await api.newChannel(alice.token, [bob.user.id]);
    await post(alice.token, other.id, "2 in other");
    const onlyInOther = await post(alice.token, other.id, "3 in other"); // id 3: channel has no message 3
    const bobWs = await channelWs(channel.id, bob.wsToken);
    const bobStream = await userWs(bob.user.id, bob.wsToken);

    bobWs.send({ command: "ws_read_notification", channel_id: other.id, message_id: onlyInOther.id, correlationId: "x" });
    expect(await bobWs.reply("x")).toEqual({
      correlationId: "x",
      error: "channel_id is not this socket's channel",
      time: expect.any(Number),
      type: "error",
    });
    bobWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: onlyInOther.id, correlationId: "y" });
    expect(await bobWs.reply("y")).toMatchObject({ type: "error", error: "no such message in this channel" });
    bobStream.send({ command: "ws_read_notification", channel_id: channel.id, message_id: onlyInOther.id, correlationId: "z" });
    expect(await bobStream.reply("z")).toMatchObject({ type: "error", error: "no such message in this channel" });

    const mine = await post(alice.token, channel.id, "soon deleted");
    await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: mine.id }, alice.token);
    bobWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: mine.id, correlationId: "d" });
    expect(await bobWs.reply("d")).toMatchObject({ type: "error" });

    expect(bobWs.closed).toBeNull();
    expect(bobStream.closed).toBeNull();
    const otherHistory = await api.ok("channel.history", { channel_id: other.id }, bob.token);
    expect(otherHistory.messages.at(-1).read_users).toEqual([]);
    bobWs.send({ command: "ws_read_notification", channel_id: channel.id, message_id: 1, correlationId: "ok" });
    expect(await bobWs.reply("ok")).toMatchObject({ type: "success" });
    bobWs.close();
    bobStream.close();
  });

  it("non-members cannot read (error reply on the user stream)", async () => {
    const { alice, channel } = await trio();
    const eve = await api.newUser("Eve");
    const stream = await userWs(eve.user.id, eve.wsToken);
    stream.send({ command: "ws_read_notification", channel_id: channel.id, message_id: 1, correlationId: "n" });
    expect(await stream.reply("n")).toMatchObject({ type: "error", error: "you are not a member of this channel" });
    stream.send({ command: "ws_all_read_notification", channel_id: channel.id, correlationId: "m" });
    expect(await stream.reply("m")).toMatchObject({ type: "error" });
    void alice;
    stream.close();
  });
});

describe("ws_all_read_notification", () => {
  it("moves the cursor to the latest message, emits no chat.updateMessage, and sends 0/0; cursors never move back", async () => {
    const { alice, bob, channel } = await trio();
    await holdAlarms(channel.id);
    const m2 = await post(alice.token, channel.id, "a");
    await post(alice.token, channel.id, "b");
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const aliceWs = await channelWs(channel.id, alice.wsToken);
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    expect((await bobStream.event("chat.unreadCountUpdate")).payload).toEqual({
      total_unread_count: 3,
      channel_id: channel.id,
      channel_unread_count: 3,
      oldest_unread_message_id: 1,
    });

    bobStream.send({ command: "ws_all_read_notification", channel_id: channel.id, correlationId: "all" });
    expect(await bobStream.event("chat.unreadCountUpdate")).toEqual({
      meta: { api: "v1", time: expect.any(Number) },
      event: "chat.unreadCountUpdate",
      payload: { total_unread_count: 0, channel_id: channel.id, channel_unread_count: 0, oldest_unread_message_id: 0 },
    });
    expect(await bobStream.reply("all")).toMatchObject({ type: "success" });
    await aliceWs.nothing(isUpdate);

    // reading an older message afterwards: a receipt, but the cursor stays and no unread update is sent
    bobStream.send({ command: "ws_read_notification", channel_id: channel.id, message_id: m2.id });
    expect((await aliceWs.event("chat.updateMessage")).payload.message.read_users).toEqual([bob.user.id]);
    await bobStream.nothing(isUnread);
    // all-read again changes nothing
    bobStream.send({ command: "ws_all_read_notification", channel_id: channel.id });
    await bobStream.nothing(isUnread);
    bobStream.close();
    aliceWs.close();
  });
});

describe("unread counts as messages arrive", () => {
  it("coalesces new messages into one chat.unreadCountUpdate per member per second, totals across channels, excludes own messages", async () => {
    const { alice, bob, carol, channel } = await trio();
    await holdAlarms(channel.id); // bob: channel 1 unread (bot message)
    const second = await api.newChannel(carol.token, [bob.user.id]);
    await holdAlarms(second.id); // bob: second channel 1 unread (its bot message)
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const bobWs = await channelWs(channel.id, bob.wsToken);
    const aliceStream = await userWs(alice.user.id, alice.wsToken);
    const aliceWs = await channelWs(channel.id, alice.wsToken);

    await post(alice.token, channel.id, "one");
    await post(alice.token, channel.id, "two");
    await post(bob.token, channel.id, "bob's own");
    await post(alice.token, channel.id, "three");
    await bobStream.nothing(isUnread);

    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    const expected = {
      meta: { api: "v1", time: expect.any(Number) },
      event: "chat.unreadCountUpdate",
      payload: { total_unread_count: 5, channel_id: channel.id, channel_unread_count: 4, oldest_unread_message_id: 1 },
    };
    expect(await bobStream.event("chat.unreadCountUpdate")).toEqual(expected);
    expect(await bobWs.event("chat.unreadCountUpdate")).toEqual(expected);
    await bobStream.nothing(isUnread);
    // Alice wrote everything but the bot message (bot messages count, also for the channel's
    // creator) and bob's: her state went from 1 (the bot message) to 2
    const aliceUpdate = await aliceStream.event("chat.unreadCountUpdate");
    expect(aliceUpdate.payload).toEqual({ total_unread_count: 2, channel_id: channel.id, channel_unread_count: 2, oldest_unread_message_id: 1 });
    // (meta.time comes from each room's clock; the test moved the channel room's ahead)
    expect((await aliceWs.event("chat.unreadCountUpdate")).payload).toEqual(aliceUpdate.payload);

    // a flush with nothing changed sends nothing
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    await bobStream.nothing(isUnread);
    for (const ws of [bobStream, bobWs, aliceStream, aliceWs]) ws.close();
  });

  it("without any test hook, the room's own alarm delivers the coalesced update about a second later", async () => {
    const { alice, bob, channel } = await trio();
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const m2 = await post(alice.token, channel.id, "hello");
    const ev = await bobStream.next(
      (f) => isUnread(f) && f.payload.channel_unread_count === 2,
      5000,
      "the real alarm's chat.unreadCountUpdate",
    );
    expect(ev.payload).toEqual({ total_unread_count: 2, channel_id: channel.id, channel_unread_count: 2, oldest_unread_message_id: 1 });
    void m2;
    bobStream.close();
  });

  it("a deleted unread message leaves the count (coalesced); deleting what a member already read sends them nothing", async () => {
    const { alice, bob, channel } = await trio();
    await holdAlarms(channel.id);
    const m2 = await post(alice.token, channel.id, "keep");
    const m3 = await post(alice.token, channel.id, "delete me");
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    expect((await bobStream.event("chat.unreadCountUpdate")).payload).toMatchObject({ channel_unread_count: 3, oldest_unread_message_id: 1 });

    await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: m3.id }, alice.token);
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    expect((await bobStream.event("chat.unreadCountUpdate")).payload).toEqual({
      total_unread_count: 2,
      channel_id: channel.id,
      channel_unread_count: 2,
      oldest_unread_message_id: 1,
    });

    bobStream.send({ command: "ws_read_notification", channel_id: channel.id, message_id: m2.id });
    expect((await bobStream.event("chat.unreadCountUpdate")).payload).toMatchObject({ channel_unread_count: 0, oldest_unread_message_id: 0 });
    await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: m2.id }, alice.token);
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    await bobStream.nothing(isUnread);
    bobStream.close();
  });
});
