/**
 * RtmSocket's connection phases against a scripted WebSocket (no server): the status an app sees
 * and what the socket allows in each phase — connecting, authenticating, ready, and closed —
 * including a first connect that never authenticates and a reconnection after a ready one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RtmSocket, type Status } from "../../packages/client/src/socket.ts";
import { waitFor } from "../helpers/waitFor";

/** A WebSocket whose server side the test plays: open(), receive(), and the frames sent. */
class ScriptedSocket extends EventTarget {
  static made: ScriptedSocket[] = [];
  readyState = 0;
  binaryType = "blob";
  readonly sent: Record<string, unknown>[] = [];

  constructor(readonly url: string) {
    super();
    ScriptedSocket.made.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason }));
  }

  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }

  receive(frame: object): void {
    this.dispatchEvent(Object.assign(new Event("message"), { data: JSON.stringify(frame) }));
  }

  ready(connectionId: string): void {
    this.receive({ meta: { api: "v1", time: 1 }, event: "rtm.ready", payload: { connection_id: connectionId, user_id: 1 } });
  }
}

const sockets: RtmSocket[] = [];

function socket(authTimeoutMs = 5_000): { socket: RtmSocket; statuses: Status["state"][] } {
  const s = new RtmSocket({
    url: "ws://scripted/rtm/ws/user/1",
    channelId: null,
    tokens: { fresh: async () => "token", current: () => "token", markStale: () => {} },
    pingIntervalMs: 60_000,
    authTimeoutMs,
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 200,
    backoff: { baseMs: 0, maxMs: 0 },
    random: () => 0,
    WebSocket: ScriptedSocket,
  });
  const statuses: Status["state"][] = [];
  s.onStatus((st) => statuses.push(st.state));
  sockets.push(s.start());
  return { socket: s, statuses };
}

async function nextSocket(count: number): Promise<ScriptedSocket> {
  await waitFor(`socket #${count}`, () => ScriptedSocket.made.length >= count, 2_000);
  return ScriptedSocket.made[count - 1]!;
}

/** A socket whose first connection is open and ready (connection "c1"). */
async function connected(): Promise<{ socket: RtmSocket; statuses: Status["state"][] }> {
  const made = socket();
  const ws = await nextSocket(1);
  ws.open();
  ws.ready("c1");
  await made.socket.ready();
  return made;
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  ScriptedSocket.made = [];
});

describe("RtmSocket phases", () => {
  it("authenticates with ws_auth first, is ready on rtm.ready, and only then sends commands", async () => {
    const { socket: s, statuses } = socket();
    const ws = await nextSocket(1);
    expect(s.send("ws_ephemeral_typing", { channel_id: 5 })).toBe(false); // connecting
    ws.open();
    expect(ws.sent[0]).toEqual({ command: "ws_auth", auth_token: "token" });
    expect(s.send("ws_ephemeral_typing", { channel_id: 5 })).toBe(false); // authenticating
    expect(s.connectionId).toBeNull();
    ws.ready("c1");
    await s.ready();
    expect(s.connectionId).toBe("c1");
    expect(s.send("ws_ephemeral_typing", { channel_id: 5 })).toBe(true);
    expect(statuses).toEqual(["connected"]);
  });

  it("after a ready connection drops, the next one is a reconnection", async () => {
    const { socket: s, statuses } = await connected();
    s.drop("test");
    expect(s.connectionId).toBeNull();
    const second = await nextSocket(2);
    second.open();
    second.ready("c2");
    await s.ready();
    expect(s.connectionId).toBe("c2");
    // The user stream cannot resume: a reconnection reports "resumed" without recovery.
    expect(statuses).toEqual(["connected", "reconnecting", "reconnecting", "resumed"]);
  });

  it("a first connection that never authenticates is dropped and retried as a first connect", async () => {
    const { statuses } = socket(30);
    (await nextSocket(1)).open();
    const second = await nextSocket(2);
    expect(statuses).toEqual(["reconnecting", "connecting"]);
    second.open();
    second.ready("c2");
    await waitFor("connected", () => statuses.at(-1) === "connected", 2_000);
  });

  it("closed is final: ready() rejects, nothing is sent, no reconnection", async () => {
    const { socket: s, statuses } = await connected();
    s.close("done");
    expect(statuses.at(-1)).toBe("closed");
    expect(s.connectionId).toBeNull();
    expect(s.send("ws_ephemeral_typing", { channel_id: 5 })).toBe(false);
    await expect(s.ready()).rejects.toThrow(/closed/);
    s.drop("after close");
    await new Promise((r) => setTimeout(r, 20));
    expect(ScriptedSocket.made).toHaveLength(1);
  });
});
