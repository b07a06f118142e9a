import { describe, expect, it } from "vitest";
import { report, tried } from "../helpers/hostile";
import { nodeApi } from "../helpers/node";
import { freePort, startServer } from "../helpers/server";

/**
 * The local server is killed with SIGKILL (no shutdown) while clients keep posting; after a
 * restart every post that was acknowledged is there exactly once (SQLite storage is durable before
 * a room answers: Durable Object output gates).
 */
describe("crash under load", () => {
  it("nothing acknowledged is lost or duplicated when the server is killed mid-stream", async () => {
    const port = await freePort();
    let server = await startServer(port);
    const api = nodeApi(server.base);
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);

    const acked = new Set<string>();
    let sent = 0;
    let stop = false;
    const writer = async (who: typeof alice, tag: string) => {
      for (let i = 0; !stop; i++) {
        const text = `${tag}-${i}`;
        sent++;
        try {
          const r = await api.call("chat.postmessage", { channel_id: channel.id, text }, who.token);
          if (r.status === 200) acked.add(text);
        } catch {
          // connection refused or reset: the server is down; not acknowledged
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const writers = [writer(alice, "a"), writer(bob, "b"), writer(alice, "c")];
    while (acked.size < 60) await new Promise((r) => setTimeout(r, 20));
    await server.stop("SIGKILL");
    const ackedBeforeCrash = acked.size;
    stop = true;
    await Promise.all(writers);
    tried("posts in flight across a SIGKILL", sent);

    server = await startServer(port);
    try {
      const seen: string[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await api.ok("channel.history", { channel_id: channel.id, limit: 200, ...(before ? { before_id: before } : {}) }, alice.token);
        seen.unshift(...page.messages.filter((m: any) => m.message_type === 1).map((m: any) => m.content as string));
        if (!page.has_more) break;
        before = page.messages[0].id;
      }
      expect(ackedBeforeCrash).toBeGreaterThanOrEqual(60);
      for (const text of acked) expect(seen.filter((s) => s === text), text).toHaveLength(1);
      expect(new Set(seen).size).toBe(seen.length);
      // the service is fully usable again
      const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "after crash" }, bob.token);
      expect(message.content).toBe("after crash");
    } finally {
      await server.stop();
      report("crash");
    }
  }, 180_000);
});
