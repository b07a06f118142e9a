import { Hono } from "hono";
import type { Env } from "../../env";
import { parseId } from "../../protocol/ids";
import { loadConfig } from "../../config";
import { answerAbsentRoom } from "../../rooms/absentRoom";
import { type RoomKind, missingRoom } from "../../rooms/existence";
import { channelRoom, userRoom } from "../../rooms/stubs";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { ipLimit, ipRetry } from "../ipLimit";

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
    if (!isUpgrade(c.req.raw)) {
      throw new ApiError(426, "upgrade_required", "expected a websocket upgrade", undefined, { Upgrade: "websocket" });
    }
    return forward(c.env, kind, id, c.req.raw);
  });

  return app;
}

const SOCKET_PATH = /^\/rtm\/ws\/(channel|user)\/([^/]+)$/;

function isUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

async function forward(env: Env, kind: RoomKind, id: number, request: Request): Promise<Response> {
  // An id that was never created (or a removed channel) is answered here: reaching its Durable
  // Object would give it storage.
  const missing = await missingRoom(env, kind, id);
  if (missing) return answerAbsentRoom(env, loadConfig(env), missing);
  // Forwarded as is: the room reads its id from this same path (see SocketRoom.fetch).
  const stub = kind === "channel" ? channelRoom(env, id) : userRoom(env, id);
  return stub.fetch(request);
}

/**
 * The worker's most frequent request, every connect of every client, without the router: a
 * well-formed upgrade within its address's limit goes straight to its room. Anything else (null)
 * takes the route above, which answers it as always (404, 400, 426, 429); an address already
 * counted here is not counted again there.
 */
export async function fastUpgrade(request: Request, env: Env): Promise<Response | null> {
  if (request.method !== "GET" || !isUpgrade(request)) return null;
  const match = SOCKET_PATH.exec(new URL(request.url).pathname);
  const id = match ? parseId(match[2]) : null;
  if (id === null || (await ipRetry("upgrade", request, env)) !== 0) return null;
  return forward(env, match![1] as "channel" | "user", id, request);
}
