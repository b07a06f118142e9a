import type { Context } from "hono";
import type { ChannelObject } from "../../channel/ChannelRoom";
import type { Env } from "../../env";
import { WebhookOutbox } from "../../webhooks/outbox";
import { channelRoom } from "../../rooms/stubs";
import { forgetChannel } from "../../rooms/existence";
import { liveChannelRoom } from "../rooms";
import { Directory, profileOf, type UserRecord } from "../../storage/directory";
import { ApiError, success, unwrap } from "../errors";
import { pageLimit } from "../params";
import { lookupWithinQuota } from "../quota";
import type { ParamsOf } from "../catalog";
import type { AppEnv } from "../context";
import type { RouteHandlers } from "../routeHandler";

/** 403 naming the invitees (as the caller gave them) who take invitations only from people they share a channel with. */
function refused(emails: string[], ids: number[]): ApiError {
  const why = "accepts invitations only from people who share a channel with them";
  const fields: Record<string, string> = {};
  if (emails.length) fields.emails = `${emails.join(", ")} ${why}`;
  if (ids.length) fields.user_ids = `${ids.join(", ")} ${why}`;
  return new ApiError(403, "invite_refused", Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; "), fields);
}

/**
 * Resolves invitees by email and id. Any unknown one is a 422 naming it; any who refuse invitations
 * from the caller a 403 naming them; either way nothing is created.
 */
async function resolveInvitees(dir: Directory, inviterId: number, emails: string[], ids: number[]): Promise<UserRecord[] | ApiError> {
  const byEmail = await dir.usersByEmails(emails);
  const known = new Set(byEmail.map((u) => u.email.toLowerCase()));
  const unknownEmails = emails.filter((e) => !known.has(e.toLowerCase()));
  if (unknownEmails.length) {
    return new ApiError(422, "unknown_user", `emails: unknown ${unknownEmails.join(", ")}`, {
      emails: `unknown: ${unknownEmails.join(", ")}`,
    });
  }
  const byId = await dir.usersByIds(ids);
  const knownIds = new Set(byId.map((u) => u.id));
  const unknownIds = ids.filter((id) => !knownIds.has(id));
  if (unknownIds.length) {
    return new ApiError(422, "unknown_user", `user_ids: unknown ${unknownIds.join(", ")}`, {
      user_ids: `unknown: ${unknownIds.join(", ")}`,
    });
  }
  const refusing = new Set(await dir.refusingInvitesFrom(inviterId, [...byEmail, ...byId].map((u) => u.id)));
  if (refusing.size) {
    const emailOf = new Map(byEmail.map((u) => [u.email.toLowerCase(), u.id]));
    return refused(
      emails.filter((e) => refusing.has(emailOf.get(e.toLowerCase())!)),
      ids.filter((id) => refusing.has(id)),
    );
  }
  return [...byEmail, ...byId];
}

/** How many distinct invitees a request names (what its lookup reveals, and what it would add). */
function distinctInvitees(emails: readonly string[], ids: readonly number[]): number {
  return new Set(emails.map((e) => e.toLowerCase())).size + new Set(ids).size;
}

/**
 * Creates a channel owned by `owner` with the invitees (a user's channel.create, or a server
 * key's), within the owner's quotas (docs/security.md "Quotas").
 */
export async function createChannelFor(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  owner: UserRecord,
  p: { channel_name: string; emails?: string[]; user_ids?: number[] },
): Promise<ChannelObject> {
  const dir = new Directory(env.DB);
  const emails = p.emails ?? [];
  const ids = p.user_ids ?? [];
  const n = distinctInvitees(emails, ids);
  const invited = await lookupWithinQuota(env, owner.id, n, { channels: 1, users_added: n }, () =>
    resolveInvitees(dir, owner.id, emails, ids),
  );
  const seen = new Set([owner.id]);
  const invitees = invited.filter((u) => !seen.has(u.id) && seen.add(u.id)).map(profileOf);
  const now = Date.now();
  const id = await dir.createChannel(p.channel_name, owner.id, now);
  const channel = unwrap(await channelRoom(env, id).create({ id, channel_name: p.channel_name, created_on: now, owner: profileOf(owner), invitees }));
  // channel.create is not one of the channel's own events (no seq): the worker tells webhooks.
  const outbox = new WebhookOutbox(env);
  outbox.emit({ event: "channel.create", channel_id: id, time: now, payload: { channel } });
  ctx.waitUntil(outbox.flushed());
  return channel;
}

/** `channel.rename` and its AirSend alias `channel.update` (the same parameters). */
const rename = async (c: Context<AppEnv>, p: ParamsOf<"channel.rename">) => {
  const channel = unwrap(await (await liveChannelRoom(c.env, p.channel_id)).rename(c.get("userId"), p.channel_name));
  return success(c, { channel });
};

export const channelHandlers = {
  "channel.create": async (c, p) => {
    const dir = new Directory(c.env.DB);
    const me = await dir.userById(c.get("userId"));
    if (!me) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { channel: await createChannelFor(c.env, c.executionCtx, me, p) });
  },

  "channel.info": async (c, { channel_id }) =>
    success(c, { channel: unwrap(await (await liveChannelRoom(c.env, channel_id)).info(c.get("userId"))) }),

  "channel.list": async (c) => {
    const ids = await new Directory(c.env.DB).channelIdsOf(c.get("userId"));
    const results = await Promise.all(ids.map((id) => channelRoom(c.env, id).info(c.get("userId"))));
    return success(c, { channels: results.flatMap((r) => (r.ok ? [unwrap(r)] : [])) });
  },

  "channel.members": async (c, { channel_id }) =>
    success(c, { members: unwrap(await (await liveChannelRoom(c.env, channel_id)).members(c.get("userId"))) }),

  "channel.history": async (c, q) => {
    const config = c.get("config");
    const limit = pageLimit(q.limit, config.historyPageDefault, config.historyPageMax);
    const page = unwrap(
      await (await liveChannelRoom(c.env, q.channel_id)).history(c.get("userId"), { before_id: q.before_id, after_id: q.after_id, limit }),
    );
    return success(c, page);
  },

  // --- membership and channel life -------------------------------------------------------------

  "channel.adduser": async (c, p) => {
    // The channel before the invitee: a removed channel is 404 whoever is named, and costs no lookup.
    const room = await liveChannelRoom(c.env, p.channel_id);
    const dir = new Directory(c.env.DB);
    const user = await lookupWithinQuota(c.env, c.get("userId"), 1, { users_added: 1 }, async () => {
      const found = p.user_id !== undefined ? await dir.userById(p.user_id) : await dir.userByEmail(p.email!);
      if (!found) return new ApiError(404, "user_not_found", "no such user");
      const refusing = (await dir.refusingInvitesFrom(c.get("userId"), [found.id])).length > 0;
      return refusing ? refused(p.email === undefined ? [] : [p.email], p.user_id === undefined ? [] : [p.user_id]) : found;
    });
    const channel = unwrap(await room.addUser(c.get("userId"), profileOf(user)));
    return success(c, { channel });
  },

  "channel.kick": async (c, p) => {
    const channel = unwrap(await (await liveChannelRoom(c.env, p.channel_id)).kick(c.get("userId"), p.user_id));
    return success(c, { channel });
  },

  "channel.leave": async (c, { channel_id }) => {
    unwrap(await (await liveChannelRoom(c.env, channel_id)).leave(c.get("userId")));
    forgetChannel(channel_id); // the last member leaving removes the channel
    return success(c);
  },

  "channel.rename": rename,
  "channel.update": rename,

  "channel.remove": async (c, { channel_id }) => {
    unwrap(await (await liveChannelRoom(c.env, channel_id)).remove(c.get("userId")));
    forgetChannel(channel_id);
    return success(c);
  },
} satisfies Partial<RouteHandlers>;
