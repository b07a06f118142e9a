import { describe, expect, it } from "vitest";
import { routes } from "../../src/http/catalog";
import { api } from "../helpers/workerd";

/**
 * A removed channel answers 404 on every channel route, to its former owner, a former member and a
 * stranger alike, before any rule about the channel's contents (kicking oneself, an unknown
 * parent message, a lock that is not yours). The table is every catalog route with a channel_id.
 */
const CHANNEL_ROUTES = routes.filter((r) => "channel_id" in r.example);

describe("404 first on a removed channel", async () => {
  const [owner, member, stranger, carol] = [await api.newUser("Owner"), await api.newUser("Member"), await api.newUser("Stranger"), await api.newUser("Carol")];
  const channel = await api.newChannel(owner.token, [member.user.id], "doomed");
  const message = (await api.ok("chat.postmessage", { channel_id: channel.id, text: "hello" }, member.token)).message;
  const lock = (await api.ok("lock.acquire", { channel_id: channel.id, path: "/x" }, member.token)).lock;
  await api.ok("channel.remove", { channel_id: channel.id }, owner.token);

  it("the table covers the channel routes", () => {
    expect(CHANNEL_ROUTES.map((r) => r.name)).toEqual(
      expect.arrayContaining(["channel.info", "channel.history", "chat.postmessage", "channel.kick", "channel.remove", "lock.release", "action.create"]),
    );
  });

  for (const route of CHANNEL_ROUTES) {
    for (const [who, caller] of [
      ["the former owner", owner],
      ["a former member", member],
      ["a stranger", stranger],
    ] as const) {
      it(`${route.name} → 404 for ${who}`, async () => {
        // The route's own example, pointed at the removed channel's real objects; a kick names the caller.
        const params: Record<string, unknown> = { ...route.example, channel_id: channel.id };
        for (const key of ["message_id", "parent_message_id", "before_id"]) if (key in params) params[key] = message.id;
        if ("lock_id" in params) params.lock_id = lock.lock_id;
        if ("user_id" in params) params.user_id = caller.user.id;
        if ("email" in params) params.email = carol.email;
        const r = await api.call(route.name, params, caller.token);
        expect(r.status, JSON.stringify(r.body)).toBe(404);
        expect(r.body.meta.code).toBe("channel_not_found");
      });
    }
  }
});
