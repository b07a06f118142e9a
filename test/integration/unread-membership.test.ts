import { describe, expect, it } from "vitest";
import { holdAlarms, post, trio, userWs } from "../helpers/life";
import { advanceAndRunAlarm, api, channelStub } from "../helpers/workerd";

const isUnread = (f: Record<string, any>) => f.event === "chat.unreadCountUpdate";

describe("unread state across membership changes", () => {
  it("channel.adduser's bot message is unread for the others (coalesced), not for the added member", async () => {
    const { alice, bob, channel } = await trio();
    const dave = await api.newUser("Dave");
    await holdAlarms(channel.id); // bob: 1 unread (the creation's bot message)
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const daveStream = await userWs(dave.user.id, dave.wsToken);
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: dave.user.id }, alice.token);
    await bobStream.nothing(isUnread);
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    expect((await bobStream.event("chat.unreadCountUpdate")).payload).toEqual({
      total_unread_count: 2,
      channel_id: channel.id,
      channel_unread_count: 2,
      oldest_unread_message_id: 1,
    });
    await daveStream.nothing(isUnread);
    bobStream.close();
    daveStream.close();
  });

  it("a kicked member's total drops the channel (0 for it, with the new total); so does channel.remove", async () => {
    const { alice, bob, carol, channel } = await trio();
    const second = await api.newChannel(alice.token, [bob.user.id]);
    await holdAlarms(second.id); // bob: 1 unread there
    await post(alice.token, channel.id, "one");
    await holdAlarms(channel.id); // bob: 2 unread here
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const carolStream = await userWs(carol.user.id, carol.wsToken);

    await api.ok("channel.kick", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    expect((await bobStream.event("chat.unreadCountUpdate")).payload).toEqual({
      total_unread_count: 1,
      channel_id: channel.id,
      channel_unread_count: 0,
      oldest_unread_message_id: 0,
    });

    await api.ok("channel.remove", { channel_id: channel.id }, alice.token);
    expect((await carolStream.event("chat.unreadCountUpdate")).payload).toEqual({
      total_unread_count: 0,
      channel_id: channel.id,
      channel_unread_count: 0,
      oldest_unread_message_id: 0,
    });
    // a removed channel pushes nothing more
    await advanceAndRunAlarm(channelStub(channel.id), 1000);
    await carolStream.nothing(isUnread);
    bobStream.close();
    carolStream.close();
  });
});
