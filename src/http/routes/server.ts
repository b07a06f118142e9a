import { CloseCode } from "../../protocol/closeCodes";
import { channelRoom, userRoom } from "../../rooms/stubs";
import { liveChannelRoom } from "../rooms";
import { forgetKey } from "../serverAuth";
import { KeyStore } from "../../server/keys";
import { Directory, profileOf } from "../../storage/directory";
import { ApiError, success, unwrap } from "../errors";
import { pageLimit } from "../params";
import type { RouteHandlers } from "../routeHandler";
import { checkText } from "./chat";
import { createChannelFor } from "./channels";

/**
 * The server API (docs/server-api.md): the operator manages keys; a backend holding a key acts
 * within its scopes on any channel, without being a member. Routes are `server.*` so a user's
 * routes keep their member rules and a key never passes for a user.
 */
export const serverHandlers = {
  // --- keys (operator) ---------------------------------------------------------------------------

  "server.keys.create": async (c, p) => {
    const { key, secret } = await new KeyStore(c.env.DB).create(p.name, [...new Set(p.scopes)], Date.now());
    return success(c, { key, secret });
  },

  "server.keys.list": async (c) => success(c, { keys: await new KeyStore(c.env.DB).list() }),

  "server.keys.revoke": async (c, { key_id }) => {
    const hash = await new KeyStore(c.env.DB).revoke(key_id, Date.now());
    if (hash === null) throw new ApiError(404, "key_not_found", "no such live key");
    forgetKey(hash);
    return success(c);
  },

  // --- publish -----------------------------------------------------------------------------------

  "server.chat.postmessage": async (c, p) => {
    checkText(p.text, c.get("config").textLimitBytes);
    const result = await (await liveChannelRoom(c.env, p.channel_id)).serverPost(p.bot_name ?? c.get("serverKey").name, p.text);
    return success(c, unwrap(result));
  },

  // --- members -----------------------------------------------------------------------------------

  "server.channel.create": async (c, p) => {
    const owner = await new Directory(c.env.DB).userById(p.owner_id);
    if (!owner) throw new ApiError(422, "unknown_user", `owner_id: unknown ${p.owner_id}`, { owner_id: `unknown: ${p.owner_id}` });
    return success(c, { channel: await createChannelFor(c.env, c.executionCtx, owner, p) });
  },

  "server.channel.adduser": async (c, p) => {
    // The channel before the user: a removed channel is 404 whoever is named.
    const room = await liveChannelRoom(c.env, p.channel_id);
    const dir = new Directory(c.env.DB);
    const user = p.user_id !== undefined ? await dir.userById(p.user_id) : await dir.userByEmail(p.email!);
    if (!user) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { channel: unwrap(await room.serverAddUser(profileOf(user))) });
  },

  "server.channel.kick": async (c, p) => {
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).serverKick(p.user_id));
    return success(c);
  },

  // --- moderate ----------------------------------------------------------------------------------

  "server.chat.updatemessage": async (c, p) => {
    checkText(p.text, c.get("config").textLimitBytes);
    return success(c, unwrap(await (await liveChannelRoom(c.env, p.channel_id)).serverUpdateMessage(p)));
  },

  "server.chat.deletemessage": async (c, p) => {
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).serverDeleteMessage(p));
    return success(c);
  },

  /** Every socket of the user, in every channel and on their stream, closes 4010. */
  "server.user.disconnect": async (c, { user_id }) => {
    const dir = new Directory(c.env.DB);
    if (!(await dir.userById(user_id))) throw new ApiError(404, "user_not_found", "no such user");
    const reason = "disconnected by the server";
    const rooms = [userRoom(c.env, user_id), ...(await dir.channelIdsOf(user_id)).map((id) => channelRoom(c.env, id))];
    const counts = await Promise.all(rooms.map((room) => room.disconnectUser(user_id, CloseCode.Disconnected, reason)));
    return success(c, { closed: counts.reduce((a, b) => a + b, 0) });
  },

  // --- read --------------------------------------------------------------------------------------

  "server.channel.info": async (c, { channel_id }) =>
    success(c, { channel: unwrap(await (await liveChannelRoom(c.env, channel_id)).serverInfo()) }),

  "server.channel.members": async (c, { channel_id }) =>
    success(c, { members: unwrap(await (await liveChannelRoom(c.env, channel_id)).serverMembers()) }),

  "server.channel.history": async (c, q) => {
    const config = c.get("config");
    const limit = pageLimit(q.limit, config.historyPageDefault, config.historyPageMax);
    return success(c, unwrap(await (await liveChannelRoom(c.env, q.channel_id)).serverHistory({ before_id: q.before_id, after_id: q.after_id, limit })));
  },

  "server.user.presence": async (c, { user_ids }) => {
    const ids = [...new Set(user_ids)];
    const known = new Set((await new Directory(c.env.DB).usersByIds(ids)).map((u) => u.id));
    const presence = await Promise.all(
      ids.filter((id) => known.has(id)).map(async (id) => ({ user_id: id, online: (await userRoom(c.env, id).presenceState()).online })),
    );
    return success(c, { presence });
  },
} satisfies Partial<RouteHandlers>;
