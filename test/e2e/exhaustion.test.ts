/**
 * Resource exhaustion from outside, against `npm start` with its own state directory: request
 * bodies streamed without a content-length, and upgrades or lookups for ids that were never
 * created. Measured where an operator would look: the runtime's resident memory in /proc and the
 * Durable Object databases in the persist directory.
 */
import { readFileSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, tried } from "../helpers/hostile";
import { connect, nodeApi, wsUrl } from "../helpers/node";
import { type RunningServer, startServer } from "../helpers/server";

let server: RunningServer;
let persistDir: string;

beforeAll(async () => {
  persistDir = mkdtempSync(join(tmpdir(), "exhaustion-"));
  server = await startServer(undefined, 120_000, [], ["npm", "start"], persistDir);
}, 150_000);

afterAll(async () => {
  report("e2e exhaustion");
  await server?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

/** Resident memory (bytes) of the server's workerd processes (its process group). */
function workerdRss(): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp !== server.proc.pid || !comm.startsWith("workerd")) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      total += Number(rss ?? 0) * 1024;
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

const MB = 1024 * 1024;

/**
 * POSTs `totalBytes` of filler with `transfer-encoding: chunked` (no content-length) and resolves
 * with the status once the server answers (0 when it hung up before its answer arrived), and how
 * much was sent by then.
 */
function chunkedPost(path: string, totalBytes: number): Promise<{ status: number; sent: number; body: string }> {
  const url = new URL(path, server.base);
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        answered = true;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, sent, body });
          req.destroy();
        });
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (answered) return;
      answered = true;
      // The server stops reading and closes: the client may see the reset before the 413.
      if (err.code === "ECONNRESET" || err.code === "EPIPE") resolve({ status: 0, sent, body: err.code });
      else reject(err);
    });
    const pump = () => {
      while (!answered && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("request bodies are cut off while streaming", () => {
  it("4 × 128 MB chunked bodies to user.login and user.create are cut off within a few MB, and workerd's memory stays flat", async () => {
    const before = workerdRss();
    expect(before).toBeGreaterThan(0);
    const results = await Promise.all([
      chunkedPost("/api/v1/user.login", 128 * MB),
      chunkedPost("/api/v1/user.create", 128 * MB),
      chunkedPost("/api/v1/user.login", 128 * MB),
      chunkedPost("/api/v1/user.create", 128 * MB),
    ]);
    tried("chunked 128 MB body", results.length);
    const after = workerdRss();
    console.log(
      `[exhaustion] workerd RSS ${Math.round(before / MB)} MB → ${Math.round(after / MB)} MB; ` +
        `answers: ${results.map((r) => `${r.status} after ${Math.round(r.sent / MB)} MB sent`).join(", ")}`,
    );
    for (const r of results) {
      // 413 from the worker; or, when the runtime hangs up on the unread rest first, a reset, or
      // under `wrangler dev` its local entry worker's 500 "Network connection lost" (that proxy
      // does not exist in production)
      if (r.status === 500) expect(r.body).toContain("Network connection lost");
      else if (r.status !== 0) expect(r.status).toBe(413);
      // cut off early: what was sent fits in the sockets' buffers, nowhere near the 128 MB
      expect(r.sent).toBeLessThan(32 * MB);
    }
    // Buffering the bodies would add 512 MB or more; cutting them off at 256 KiB adds nearly nothing.
    expect(after - before).toBeLessThan(100 * MB);
  }, 120_000);

  it("a chunked body just over the limit is answered 413 with the error envelope", async () => {
    const res = await fetch(`${server.base}/api/v1/user.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`{"email":"${"a".repeat(300 * 1024)}"}`));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    tried("chunked body over the limit");
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).meta).toMatchObject({ ok: false, code: "body_too_large" });
  });
});

/** Durable Object databases in the persist directory (one file per object that ever opened storage). */
function objectDatabases(): string[] {
  const root = join(persistDir, "v3", "do");
  const files: string[] = [];
  for (const ns of readdirSync(root, { withFileTypes: true })) {
    if (!ns.isDirectory()) continue;
    for (const f of readdirSync(join(root, ns.name))) {
      if (f.endsWith(".sqlite") && f !== "metadata.sqlite") files.push(`${ns.name}/${f}`);
    }
  }
  return files.sort();
}

describe("ids that were never created leave no storage behind", () => {
  it("100 upgrades to unused channel and user ids, and channel lookups by unused ids, create no databases", async () => {
    const api = nodeApi(server.base);
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, []);
    const before = objectDatabases();

    for (let i = 0; i < 50; i++) {
      for (const path of [`/rtm/ws/channel/${77_000_000 + i}`, `/rtm/ws/user/${88_000_000 + i}`]) {
        const s = await connect(wsUrl(server.base, path));
        s.close();
        tried("upgrade to an unused id");
      }
    }
    // An unused channel id answers the documented close after ws_auth: 4003, as for a non-member.
    const probe = await connect(wsUrl(server.base, `/rtm/ws/channel/${77_999_999}`));
    probe.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect((await probe.waitClose()).code).toBe(4003);
    const user = await connect(wsUrl(server.base, `/rtm/ws/user/${88_999_999}`));
    user.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect((await user.waitClose()).code).toBe(4003);

    for (let i = 0; i < 20; i++) {
      const r = await api.call("channel.info", { channel_id: 66_000_000 + i }, alice.token);
      expect(r.status).toBe(404);
      tried("channel.info on an unused id");
    }
    expect(objectDatabases()).toEqual(before);

    // The existing channel still works through the same entry points.
    const s = await connect(wsUrl(server.base, `/rtm/ws/channel/${channel.id}`));
    const ready = await s.auth(alice.wsToken);
    expect(ready.payload.channel_id).toBe(channel.id);
    s.close();
  }, 120_000);
});
