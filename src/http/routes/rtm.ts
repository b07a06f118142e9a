import { signToken, signingKey } from "../../auth/tokens";
import { Directory } from "../../storage/directory";
import { ApiError, success } from "../errors";
import type { RouteHandlers } from "../routeHandler";

export const rtmHandlers = {
  /** rtm.connect → the user stream URL and a ws_token that opens any of the user's sockets. */
  "rtm.connect": async (c, p) => {
    const config = c.get("config");
    const user = await new Directory(c.env.DB).userById(c.get("userId"));
    if (!user) throw new ApiError(404, "user_not_found", "no such user");
    const url = new URL(c.req.url);
    const scheme = url.protocol === "https:" ? "wss" : "ws";
    const ws_token = await signToken(
      {
        typ: "rtm",
        user_id: user.id,
        sid: c.get("sessionId"),
        user_name: user.display_name,
        client_ip: c.req.header("cf-connecting-ip") ?? "",
        user_agent: (c.req.header("user-agent") ?? "").slice(0, 256),
        finger_print: p.fingerprint ?? "",
      },
      config.wsTokenTtlSeconds,
      signingKey(c.env, config),
    );
    return success(c, { rtm: { ws_endpoint: `${scheme}://${url.host}/rtm/ws/user/${user.id}`, ws_token } });
  },
} satisfies Partial<RouteHandlers>;
