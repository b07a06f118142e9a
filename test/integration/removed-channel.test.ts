import { describe, expect, it } from "vitest";
import { routes } from "../../src/http/catalog";
import { api } from "../helpers/workerd";

/**
 * A removed channel answers 404 on every channel route, before any rule about the channel's
 * contents (kicking oneself, an unknown parent message, a lock that is not yours, an endpoint that
 * does not follow the channel). The table is every catalog route with a channel_id: user routes
 * are asked by the former owner, a former member and a stranger alike; `server.*` routes by a
 * server key holding the route's scope (or the operator), which passes authentication and so
 * meets the channel check.
 */
const OPERATOR_TOKEN = "test-operator-token";
const CHANNEL_ROUTES = routes.filter((r) => "channel_id" in r.example);

describe("404 first on a removed channel", async () => {
  const [owner, member, stranger, carol] = [await api.newUser("Owner"), await api.newUser("Member"), await api.newUser("Stranger"), await api.newUser("Carol")];
  const channel = await api.newChannel(owner.token, [member.user.id], "doomed");
  const message = (await api.ok("chat.postmessage", { channel_id: channel.id, text: "hello" }, member.token)).message;
  const lock = (await api.ok("lock.acquire", { channel_id: channel.id, path: "/x" }, member.token)).lock;
  // An endpoint that does not follow the channel: replay would be 422 for it, were the channel there.
  const { webhook } = await api.ok(
    "server.webhooks.create",
    { url: "http://127.0.0.1:9/hook", events: ["chat.postMessage"], channel_ids: [channel.id + 1] },
    OPERATOR_TOKEN,
  );
  const scopes = [...new Set(routes.flatMap((r) => (r.scope ? [r.scope] : [])))];
  const keys = Object.fromEntries(
    await Promise.all(scopes.map(async (scope) => [scope, (await api.ok("server.keys.create", { name: `doomed-${scope}`, scopes: [scope] }, OPERATOR_TOKEN)).secret])),
  ) as Record<string, string>;
  await api.ok("channel.remove", { channel_id: channel.id }, owner.token);

  it("the table covers the channel routes, the server API's included", () => {
    expect(CHANNEL_ROUTES.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "channel.info",
        "channel.history",
        "chat.postmessage",
        "channel.kick",
        "channel.remove",
        "lock.release",
        "action.create",
        "server.chat.postmessage",
        "server.channel.kick",
        "server.channel.history",
        "server.webhooks.replay",
      ]),
    );
  });

  for (const route of CHANNEL_ROUTES) {
    const callers: [string, () => { token: string; userId: number }][] =
      route.auth === "bearer"
        ? [
            ["the former owner", () => ({ token: owner.token, userId: owner.user.id })],
            ["a former member", () => ({ token: member.token, userId: member.user.id })],
            ["a stranger", () => ({ token: stranger.token, userId: stranger.user.id })],
          ]
        : route.auth === "server"
          ? [[`a server key with the ${route.scope} scope`, () => ({ token: keys[route.scope!]!, userId: member.user.id })]]
          : [["the operator", () => ({ token: OPERATOR_TOKEN, userId: member.user.id })]];
    for (const [who, caller] of callers) {
      it(`${route.name} → 404 for ${who}`, async () => {
        const { token, userId } = caller();
        // The route's own example, pointed at the removed channel's real objects; a kick names the caller (or the member).
        const params: Record<string, unknown> = { ...route.example, channel_id: channel.id };
        for (const key of ["message_id", "parent_message_id", "before_id"]) if (key in params) params[key] = message.id;
        if ("lock_id" in params) params.lock_id = lock.lock_id;
        if ("user_id" in params) params.user_id = userId;
        if ("email" in params) params.email = carol.email;
        if ("webhook_id" in params) params.webhook_id = webhook.webhook_id;
        const r = await api.call(route.name, params, token);
        expect(r.status, JSON.stringify(r.body)).toBe(404);
        expect(r.body.meta.code).toBe("channel_not_found");
      });
    }
  }
});
