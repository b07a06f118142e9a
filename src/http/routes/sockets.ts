import { Hono } from "hono";
import { parseId } from "../../protocol/ids";
import { channelRoom, userRoom } from "../../rooms/stubs";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { ipLimit } from "../ipLimit";

/**
 * Websocket upgrades: forwarded untouched to the room that owns the socket (the worker never
 * accepts a room's socket or parses its frames).
 */
export function socketRoutes() {
  const app = new Hono<AppEnv>();

  app.get("/rtm/ws/:kind/:id", ipLimit("upgrade"), async (c) => {
    const kind = c.req.param("kind");
    if (kind !== "channel" && kind !== "user") throw new ApiError(404, "not_found", "no such route");
    const id = parseId(c.req.param("id"));
    if (id === null) throw new ApiError(400, "invalid_id", `${kind} id must be a positive integer`);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "upgrade_required", "expected a websocket upgrade", undefined, { Upgrade: "websocket" });
    }
    // Forwarded as is: the room reads its id from this same path (see SocketRoom.fetch).
    const stub = kind === "channel" ? channelRoom(c.env, id) : userRoom(c.env, id);
    return stub.fetch(c.req.raw);
  });

  return app;
}
