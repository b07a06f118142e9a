import { describe, expect, it } from "vitest";
import { api, channelSocket } from "../helpers/workerd";

describe("user.profile.set", () => {
  it("updates the directory and every channel of the user; user.profileUpdate to each channel's sockets", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const carol = await api.newUser("Carol");
    const x = await api.newChannel(alice.token, [bob.user.id], "x");
    const y = await api.newChannel(alice.token, [carol.user.id], "y");
    const bx = await channelSocket(x.id);
    const readyX = await bx.auth(bob.wsToken);
    const cy = await channelSocket(y.id);
    const readyY = await cy.auth(carol.wsToken);

    const res = await api.ok("user.profile.set", { name: "  Alice Renamed ", has_avatar: "1" }, alice.token);
    const expected = { ...alice.user, display_name: "Alice Renamed", has_avatar: true, online_status: false };
    expect(res).toEqual({ meta: { ok: true }, user: expected });

    const evX = await bx.event("user.profileUpdate");
    expect(evX).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: readyX.payload.seq + 1 },
      event: "user.profileUpdate",
      payload: { user: expected, channel_id: x.id },
    });
    const evY = await cy.event("user.profileUpdate");
    expect(evY.payload).toEqual({ user: expected, channel_id: y.id });
    expect(evY.meta.seq).toBe(readyY.payload.seq + 1);

    expect((await api.ok("user.info", {}, alice.token)).user).toEqual(expected);
    const { members } = await api.ok("channel.members", { channel_id: x.id }, bob.token);
    expect(members[0]).toEqual({ ...expected, user_role: 100 });
    const { message } = await api.ok("chat.postmessage", { channel_id: y.id, text: "new name" }, alice.token);
    expect(message.display_name).toBe("Alice Renamed");

    const avatarOff = await api.ok("user.profile.set", { has_avatar: false }, alice.token);
    expect(avatarOff.user).toMatchObject({ display_name: "Alice Renamed", has_avatar: false });
    expect((await bx.event("user.profileUpdate")).payload.user.has_avatar).toBe(false);
    bx.close();
    cy.close();
  });

  it("a user in no channel: just the directory", async () => {
    const dave = await api.newUser("Dave");
    const res = await api.ok("user.profile.set", { name: "David" }, dave.token);
    expect(res.user).toEqual({ ...dave.user, display_name: "David" });
  });

  it("refuses nothing to change (422), an empty name (422), a bad flag (422), GET (405), no token (401)", async () => {
    const alice = await api.newUser("Alice");
    const none = await api.call("user.profile.set", {}, alice.token);
    expect(none.status).toBe(422);
    expect(none.body.name).toBe("name or has_avatar is required");
    const empty = await api.call("user.profile.set", { name: "" }, alice.token);
    expect(empty.status).toBe(422);
    expect(empty.body.name).toBe("must not be empty");
    expect((await api.call("user.profile.set", { has_avatar: "maybe" }, alice.token)).status).toBe(422);
    expect((await api.call("user.profile.set", {}, alice.token, { method: "GET", body: undefined })).status).toBe(405);
    expect((await api.call("user.profile.set", { name: "x" })).status).toBe(401);
    expect((await api.ok("user.info", {}, alice.token)).user.display_name).toBe("Alice");
  });
});
