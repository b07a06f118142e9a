import { Hono } from "hono";
import { loadConfig } from "../../config";
import { CloseCode } from "../../protocol/closeCodes";
import { channelRoom, userRoom } from "../../rooms/stubs";
import { liveChannelRoom } from "../rooms";
import { forgetKey } from "../serverAuth";
import { requireServerKey } from "../serverAuth";
import { KeyStore } from "../../server/keys";
import * as S from "../serverSchemas";
import { Directory, profileOf } from "../../storage/directory";
import type { AppEnv } from "../context";
import { ApiError, success, unwrap } from "../errors";
import { requireOperator } from "../operator";
import { pageLimit, readParams, validate } from "../params";
import { ChannelAddUser, ChannelHistory, ChannelKick, ChannelRef, ChatDelete, ChatUpdate } from "../schemas";
import { checkText } from "./chat";
import { createChannelFor } from "./channels";
import { readRoute, writeRoute } from "./define";

/**
 * The server API (docs/server-api.md): the operator manages keys; a backend holding a key acts
 * within its scopes on any channel, without being a member. Routes are `server.*` so a user's
 * routes keep their member rules and a key never passes for a user.
 */
export function serverRoutes() {
  const app = new Hono<AppEnv>();

  // --- keys (operator) ---------------------------------------------------------------------------

  writeRoute(app, "server.keys.create", requireOperator, async (c) => {
    const p = validate(S.KeyCreate, await readParams(c));
    const { key, secret } = await new KeyStore(c.env.DB).create(p.name, [...new Set(p.scopes)], Date.now());
    return success(c, { key, secret });
  });

  readRoute(app, "server.keys.list", requireOperator, async (c) => {
    await readParams(c);
    return success(c, { keys: await new KeyStore(c.env.DB).list() });
  });

  writeRoute(app, "server.keys.revoke", requireOperator, async (c) => {
    const { key_id } = validate(S.KeyRef, await readParams(c));
    const hash = await new KeyStore(c.env.DB).revoke(key_id, Date.now());
    if (hash === null) throw new ApiError(404, "key_not_found", "no such live key");
    forgetKey(hash);
    return success(c);
  });

  // --- publish -----------------------------------------------------------------------------------

  writeRoute(app, "server.chat.postmessage", requireServerKey("publish"), async (c) => {
    const p = validate(S.ServerPost, await readParams(c));
    checkText(p.text, loadConfig(c.env).textLimitBytes);
    const result = await (await liveChannelRoom(c.env, p.channel_id)).serverPost(p.bot_name ?? c.var.serverKey.name, p.text);
    return success(c, unwrap(result));
  });

  // --- members -----------------------------------------------------------------------------------

  writeRoute(app, "server.channel.create", requireServerKey("members"), async (c) => {
    const p = validate(S.ServerChannelCreate, await readParams(c));
    const owner = await new Directory(c.env.DB).userById(p.owner_id);
    if (!owner) throw new ApiError(422, "unknown_user", `owner_id: unknown ${p.owner_id}`, { owner_id: `unknown: ${p.owner_id}` });
    return success(c, { channel: await createChannelFor(c.env, c.executionCtx, owner, p) });
  });

  writeRoute(app, "server.channel.adduser", requireServerKey("members"), async (c) => {
    const p = validate(ChannelAddUser, await readParams(c));
    // The channel before the user: a removed channel is 404 whoever is named.
    const room = await liveChannelRoom(c.env, p.channel_id);
    const dir = new Directory(c.env.DB);
    const user = p.user_id !== undefined ? await dir.userById(p.user_id) : await dir.userByEmail(p.email!);
    if (!user) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { channel: unwrap(await room.serverAddUser(profileOf(user))) });
  });

  writeRoute(app, "server.channel.kick", requireServerKey("members"), async (c) => {
    const p = validate(ChannelKick, await readParams(c));
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).serverKick(p.user_id));
    return success(c);
  });

  // --- moderate ----------------------------------------------------------------------------------

  writeRoute(app, "server.chat.updatemessage", requireServerKey("moderate"), async (c) => {
    const p = validate(ChatUpdate, await readParams(c));
    checkText(p.text, loadConfig(c.env).textLimitBytes);
    return success(c, unwrap(await (await liveChannelRoom(c.env, p.channel_id)).serverUpdateMessage(p)));
  });

  writeRoute(app, "server.chat.deletemessage", requireServerKey("moderate"), async (c) => {
    const p = validate(ChatDelete, await readParams(c));
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).serverDeleteMessage(p));
    return success(c);
  });

  /** Every socket of the user, in every channel and on their stream, closes 4010. */
  writeRoute(app, "server.user.disconnect", requireServerKey("moderate"), async (c) => {
    const { user_id } = validate(S.UserDisconnect, await readParams(c));
    const dir = new Directory(c.env.DB);
    if (!(await dir.userById(user_id))) throw new ApiError(404, "user_not_found", "no such user");
    const reason = "disconnected by the server";
    const rooms = [userRoom(c.env, user_id), ...(await dir.channelIdsOf(user_id)).map((id) => channelRoom(c.env, id))];
    const counts = await Promise.all(rooms.map((room) => room.disconnectUser(user_id, CloseCode.Disconnected, reason)));
    return success(c, { closed: counts.reduce((a, b) => a + b, 0) });
  });

  // --- read --------------------------------------------------------------------------------------

  readRoute(app, "server.channel.info", requireServerKey("read"), async (c) => {
    const { channel_id } = validate(ChannelRef, await readParams(c));
    return success(c, { channel: unwrap(await (await liveChannelRoom(c.env, channel_id)).serverInfo()) });
  });

  readRoute(app, "server.channel.members", requireServerKey("read"), async (c) => {
    const { channel_id } = validate(ChannelRef, await readParams(c));
    return success(c, { members: unwrap(await (await liveChannelRoom(c.env, channel_id)).serverMembers()) });
  });

  readRoute(app, "server.channel.history", requireServerKey("read"), async (c) => {
    const q = validate(ChannelHistory, await readParams(c));
    const config = loadConfig(c.env);
    const limit = pageLimit(q.limit, config.historyPageDefault, config.historyPageMax);
    return success(c, unwrap(await (await liveChannelRoom(c.env, q.channel_id)).serverHistory({ before_id: q.before_id, after_id: q.after_id, limit })));
  });

  readRoute(app, "server.user.presence", requireServerKey("read"), async (c) => {
    const { user_ids } = validate(S.UserPresence, await readParams(c));
    const ids = [...new Set(user_ids)];
    const known = new Set((await new Directory(c.env.DB).usersByIds(ids)).map((u) => u.id));
    const presence = await Promise.all(
      ids.filter((id) => known.has(id)).map(async (id) => ({ user_id: id, online: (await userRoom(c.env, id).presenceState(id)).online })),
    );
    return success(c, { presence });
  });

  return app;
}
