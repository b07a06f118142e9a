import { describe, expect, inject, it } from "vitest";
import { connect, nodeApi, wsUrl } from "../helpers/node";

const base = inject("baseUrl");
const api = nodeApi(base);

describe("README walk-through against `npm start`", () => {
  it("sign up, log in, connect, authenticate, receive a message, type, filter", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "general");
    expect(alice.wsEndpoint).toBe(wsUrl(base, `/rtm/ws/user/${alice.user.id}`));

    const a = await connect(wsUrl(base, `/rtm/ws/channel/${channel.id}`));
    const b = await connect(wsUrl(base, `/rtm/ws/channel/${channel.id}`));
    await a.auth(alice.wsToken);
    await b.auth(bob.wsToken);

    await api.ok("chat.postmessage", { channel_id: channel.id, text: "hi bob" }, alice.token);
    const got = await b.event("chat.postMessage");
    expect(got.payload.message).toMatchObject({ content: "hi bob", user_id: alice.user.id, channel_id: channel.id });

    b.send({ command: "ws_ephemeral_typing", channel_id: String(channel.id) });
    const typing = await a.event("chat.userTyping");
    expect(typing.payload).toMatchObject({ channel_id: channel.id, user: { id: bob.user.id } });

    b.send({ type: "filter", correlationId: "f", filters: [{ property: "event", value: "chat.userTyping" }] });
    expect(await b.reply("f")).toMatchObject({ type: "success" });
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "filtered out for bob" }, alice.token);
    await a.event("chat.postMessage");
    a.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    const t2 = await b.next((f) => f.event !== undefined);
    expect(t2.event).toBe("chat.userTyping");
    a.close();
    b.close();
  });
});
