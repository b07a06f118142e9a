import { DurableObject } from "cloudflare:workers";

/**
 * The runtime's own limit for the benchmark: the least a room can do. It accepts hibernatable
 * sockets and re-sends each message, as received, to every socket it holds (the sender included).
 * `POST /pub/<room>` does the same fan-out for a message that arrives over HTTP (worker → RPC),
 * to tell the runtime's cost of an HTTP publish apart from our room's own.
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

  /** Only for `--bare-publish http`: the same fan-out, called over RPC from an HTTP request. */
  async publish(text: string): Promise<number> {
    let sent = 0;
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(text);
        sent++;
      } catch {
        // closing; nothing to do
      }
    }
    return sent;
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
    const path = new URL(request.url).pathname;
    const publish = /^\/pub\/([\w.-]{1,64})$/.exec(path);
    if (publish && request.method === "POST") {
      const sent = await env.BARE_ROOM.get(env.BARE_ROOM.idFromName(publish[1]!)).publish(await request.text());
      return Response.json({ sent });
    }
    const match = /^\/room\/([\w.-]{1,64})$/.exec(path);
    if (!match) return new Response("not found", { status: 404 });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a websocket upgrade", { status: 426 });
    }
    return env.BARE_ROOM.get(env.BARE_ROOM.idFromName(match[1]!)).fetch(request);
  },
} satisfies ExportedHandler<BareEnv>;
