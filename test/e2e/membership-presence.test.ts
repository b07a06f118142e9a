import { describe, expect, inject, it } from "vitest";
import type WebSocket from "ws";
import { listedChannelIds, nextPresence, onlyOne, presenceOf } from "../helpers/members";
import { connect, nodeApi, wsUrl } from "../helpers/node";

const base = inject("baseUrl");
const api = nodeApi(base);
const channelUrl = (id: number) => wsUrl(base, `/rtm/ws/channel/${id}`);
const userUrl = (id: number) => wsUrl(base, `/rtm/ws/user/${id}`);

describe("membership and presence against `npm start`", () => {
  it("add, rename, kick (4003, refused after), profile, remove (4004), with channel.list in step", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [], "e2e");
    const a = await connect(channelUrl(channel.id));
    await a.auth(alice.wsToken);
    const bobStream = await connect(userUrl(bob.user.id));
    await bobStream.auth(bob.wsToken);

    const added = await api.ok("channel.adduser", { channel_id: channel.id, email: bob.email }, alice.token);
    expect((await a.event("user_added.channel")).payload).toMatchObject({ channel_id: channel.id, user: { id: bob.user.id, online_status: true } });
    expect((await a.event("chat.postMessage")).payload.message).toMatchObject({
      message_type: 5,
      content: { type: 2, bot_message: `@${alice.user.id} has added @${bob.user.id} to this channel` },
    });
    expect((await a.event("channel.update")).payload.channel).toEqual(added.channel);
    expect((await bobStream.event("channel.create")).payload.channel.id).toBe(channel.id);
    expect(await listedChannelIds(api, bob.token)).toEqual([channel.id]);

    const b = await connect(channelUrl(channel.id));
    await b.auth(bob.wsToken);
    await api.ok("channel.rename", { channel_id: channel.id, channel_name: "renamed" }, alice.token);
    expect((await b.event("channel.update")).payload.channel.channel_name).toBe("renamed");

    const forbidden = await api.call("channel.remove", { channel_id: channel.id }, bob.token);
    expect(forbidden.status).toBe(403);

    await api.ok("user.profile.set", { name: "Alice E2E" }, alice.token);
    expect((await b.event("user.profileUpdate")).payload).toMatchObject({ channel_id: channel.id, user: { id: alice.user.id, display_name: "Alice E2E" } });

    await api.ok("channel.kick", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    expect((await b.event("user_removed.channel")).payload).toEqual({
      removed_user_id: bob.user.id,
      removed_by_user_id: alice.user.id,
      channel_id: channel.id,
    });
    expect((await b.waitClose()).code).toBe(4003);
    expect((await bobStream.event("user_removed.channel")).payload.removed_user_id).toBe(bob.user.id);
    const again = await connect(channelUrl(channel.id));
    again.send({ command: "ws_auth", auth_token: bob.wsToken });
    expect((await again.waitClose()).code).toBe(4003);
    expect(await listedChannelIds(api, bob.token)).toEqual([]);

    await api.ok("channel.remove", { channel_id: channel.id }, alice.token);
    expect((await a.event("channel.remove")).payload).toEqual({ channel_id: channel.id });
    expect((await a.waitClose()).code).toBe(4004);
    const late = await connect(channelUrl(channel.id));
    late.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect((await late.waitClose()).code).toBe(4004);
    expect((await api.call("channel.info", { channel_id: channel.id }, alice.token)).status).toBe(404);
    expect(await listedChannelIds(api, alice.token)).toEqual([]);
    bobStream.close();
  });

  it("two connections give one user.online; a client dropped without a close frame still ends in one user.offline", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "presence");
    const watcher = await connect(channelUrl(channel.id));
    await watcher.auth(bob.wsToken);
    await nextPresence(watcher, bob.user.id);

    const a1 = await connect(channelUrl(channel.id));
    await a1.auth(alice.wsToken);
    const a2 = await connect(userUrl(alice.user.id));
    await a2.auth(alice.wsToken);
    const online = await onlyOne(watcher, presenceOf(alice.user.id), "alice online", 500);
    expect(online.payload).toMatchObject({ channel_id: channel.id, user: { id: alice.user.id, online_status: true } });

    a1.close();
    await watcher.nothing(presenceOf(alice.user.id), 500);
    // Drop the client: no close frame, the TCP connection just goes away.
    (a2.ws as unknown as WebSocket).terminate();
    const offline = await onlyOne(watcher, presenceOf(alice.user.id), "alice offline", 500);
    expect(offline.event).toBe("user.offline");
    expect(offline.payload.user.online_status).toBe(false);
    const { members } = await api.ok("channel.members", { channel_id: channel.id }, bob.token);
    expect(members.find((m: any) => m.id === alice.user.id).online_status).toBe(false);
    watcher.close();
  });
});
