import { DurableObject } from "cloudflare:workers";

/**
 * The runtime's own limit for the benchmark: the least a room can do. It accepts hibernatable
 * sockets and re-sends each message, as received, to every socket it holds (the sender included).
 */
interface BareEnv {
  BARE_ROOM: DurableObjectNamespace<BareRoom>;
}

export class BareRoom extends DurableObject<BareEnv> {
  override async fetch(_request: Request): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(message);
      } catch {
        // closing; nothing to do
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, "closed");
    } catch {
      // already closed
    }
  }
}

export default {
  async fetch(request: Request, env: BareEnv): Promise<Response> {
    const match = /^\/room\/([\w.-]{1,64})$/.exec(new URL(request.url).pathname);
    if (!match) return new Response("not found", { status: 404 });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a websocket upgrade", { status: 426 });
    }
    return env.BARE_ROOM.get(env.BARE_ROOM.idFromName(match[1]!)).fetch(request);
  },
} satisfies ExportedHandler<BareEnv>;
