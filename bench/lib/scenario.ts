/**
 * One scenario against one server: connect N clients, publish M messages (closed loop = capacity,
 * or open loop at a rate = latency), wait for every delivery, and measure.
 */
import { AUTO_PING } from "../../src/protocol/envelope.ts";
import { type Client, closeAll, marker, open, pool, request, sink } from "./clients.ts";
import { type GcSummary, GcWatch } from "./gc.ts";
import { RssSampler, cpuSeconds, machineBusySeconds } from "./proc.ts";
import type { Service } from "./server.ts";
import { Tally } from "./tally.ts";

export interface ScenarioSpec {
  name: string;
  mode: "capacity" | "latency";
  /** how ours publishes: HTTP chat.postmessage, or ws_ephemeral_typing over a socket */
  publish: "http" | "typing";
  clients: number;
  filters: 0 | 3;
  messages: number;
  /**
   * Latency mode: messages published before the timed ones, at the same rate. Timing starts
   * TIMED_AFTER_READY_MS after the last socket is ready, whatever the count: messages sent earlier
   * are delivered and checked (loss, duplicates, order) but not timed.
   */
  warmup: number;
  /** messages per second; 0 = closed loop (each publisher sends its next once the last is done) */
  rate: number;
  publishers: number;
  concurrency: number;
  /** how the bare room gets its messages: a ws frame (the issue's baseline) or an HTTP POST + RPC */
  barePublish: "ws" | "http";
  /**
   * Read the isolate's live heap before the first socket opens and after the last is ready. The
   * reading takes a heap snapshot, which leaves both runtimes measurably slower for a while
   * afterwards: such a scenario is only for the heap figure and runs after every other one.
   */
  heap?: boolean;
}

export interface BenchUser {
  id: number;
  token: string;
  wsToken: string;
}

/** What a side needs to run a scenario. */
export interface Side {
  kind: "bare" | "ours";
  service: Service;
  /** ours: the users (client j is users[j % users.length]) */
  users: BenchUser[];
  /** a fresh room for this scenario: its socket URL and, for ours, its channel id */
  room: (tag: string) => Promise<{ url: string; channelId: number; name: string }>;
  /**
   * The runtime isolate's live heap in bytes after a full garbage collection (through its
   * inspector), or absent when the inspector is busy with a profile.
   */
  liveHeap?: () => Promise<number>;
}

export interface Measurement {
  side: "bare" | "ours";
  clients: number;
  connectSec: number;
  /** CPU of the room's runtime process per socket while connecting (and authenticating) */
  connectCpuUsPerSocket: number;
  /**
   * Heap scenarios: growth of the isolate's live heap (after a full collection) from before the
   * first socket opened to after the last one was ready, per socket; NaN when not measured.
   */
  heapBytesPerSocket: number;
  /** the room runtime's CPU use (cores) in the half second before the first socket opened */
  backgroundCores: number;
  filterSec: number;
  published: number;
  publishErrors: number;
  publishSec: number;
  deliveries: number;
  expected: number;
  deliveriesPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** [message index, ms until its last delivery], slowest first */
  slowest: [number, number][];
  lost: number;
  duplicates: number;
  outOfOrder: number;
  foreign: number;
  otherFrames: number;
  unexpectedCloses: number;
  serverCpuSec: number;
  runtimeCpuSec: number;
  cpuUsPerDelivery: number;
  /** the room runtime's share of that (the entry proxy left out): what the CPU targets compare */
  runtimeCpuUsPerDelivery: number;
  peakRssMb: number;
  /** peak minus what the workerd processes held when the scenario started */
  rssGrowthMb: number;
  connectClientCpu: number;
  publishClientCpu: number;
  /** the load generator's own GC pauses while publishing and draining */
  clientGc: GcSummary;
  /** of the slowest messages (see `slowest`), how many were in flight during a client GC pause of 10 ms or more */
  slowestDuringClientGc: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Latency scenarios time every message sent from this long after the last socket is ready: the
 * connect phase's garbage collection lands in the timed window, as users live through it.
 */
export const TIMED_AFTER_READY_MS = 1000;

/** From when a scenario's messages are timed (performance.now()). */
export function timedFrom(mode: ScenarioSpec["mode"], readyAt: number): number {
  return mode === "latency" ? readyAt + TIMED_AFTER_READY_MS : Number.NEGATIVE_INFINITY;
}

/** Live-heap growth per socket; NaN when either reading is missing. */
export function perSocket(before: number, after: number, sockets: number): number {
  return Number.isFinite(before) && Number.isFinite(after) && sockets > 0 ? (after - before) / sockets : Number.NaN;
}

/**
 * Waits for the runtime, and the machine as a whole, to be idle; returns the runtime's CPU use
 * (cores) over the last window. The machine matters: the other side's runtime may still be
 * closing the last scenario's sockets or running its alarms, which would slow this side down.
 */
async function quiet(pids: number[]): Promise<number> {
  const WINDOW_MS = 500;
  const deadline = performance.now() + 15_000;
  await sleep(1500); // the unread coalescing interval (1 s) and a little
  for (;;) {
    const cpu0 = cpuSeconds(pids);
    const machine0 = machineBusySeconds();
    await sleep(WINDOW_MS);
    const cores = (cpuSeconds(pids) - cpu0) / (WINDOW_MS / 1000);
    const machineCores = (machineBusySeconds() - machine0) / (WINDOW_MS / 1000);
    if ((cores < 0.05 && machineCores < 0.15) || performance.now() > deadline) return cores;
  }
}

export function filterFrame(publish: "http" | "typing"): string {
  // Three groups (AND) that every event of the run passes, so the matcher runs in full per socket.
  // chat.postMessage carries the channel in its message object; chat.userTyping at the top.
  const filters =
    publish === "typing"
      ? [
          { property: "event", value: "chat.userTyping" },
          { property: "payload.channel_id", value: "*" },
          { property: "meta.api", value: "v1" },
        ]
      : [
          { property: "event", value: "chat.postMessage" },
          { property: "payload.message.channel_id", value: "*" },
          { property: "meta.api", value: "v1" },
        ];
  return JSON.stringify({ type: "filter", correlationId: "bench", filters });
}

function clientCpu(since: NodeJS.CpuUsage, wallMs: number): number {
  const d = process.cpuUsage(since);
  return wallMs > 0 ? (d.user + d.system) / 1000 / wallMs : 0;
}

export interface Hooks {
  /** runs right before the first socket opens */
  beforeConnect?: () => Promise<void>;
  /** runs once every socket is connected (and authenticated) */
  afterConnect?: () => Promise<void>;
  /** runs right before the first publish (e.g. start a CPU profile) */
  beforePublish?: () => Promise<void>;
  /** runs once every delivery arrived (or the wait gave up) */
  afterDrain?: () => Promise<void>;
}

export async function runScenario(
  spec: ScenarioSpec,
  side: Side,
  tag: string,
  log: (s: string) => void,
  hooks: Hooks = {},
): Promise<Measurement> {
  const { service } = side;
  const ours = side.kind === "ours";
  const typing = ours && spec.publish === "typing";
  const n = spec.clients;
  const room = await side.room(tag);
  const sampler = new RssSampler(service.workerd);

  // --- connect (+ authenticate) -------------------------------------------------------------
  const clients: Client[] = new Array(n);
  // Setting the room up leaves work behind that is not connecting: creating the channel posts its
  // bot messages, whose coalesced unread pushes to every member's user room run a second later,
  // and earlier rounds' rooms still report their users offline. Wait until the runtime has been
  // quiet (under 5 % of a core) for half a second, at most 15 s, and print how busy it still was.
  const backgroundCores = await quiet(service.runtime);
  const heapProbe = spec.heap ? side.liveHeap : undefined;
  const heapBefore = heapProbe ? await heapProbe() : Number.NaN;
  await hooks.beforeConnect?.();
  const connectCpuBefore = cpuSeconds(service.runtime);
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  await pool(n, spec.concurrency, async (i) => {
    const userIdx = ours ? i % side.users.length : -1;
    const c = await open(room.url, i, userIdx);
    clients[i] = c;
    if (ours) {
      const user = side.users[userIdx]!;
      await request(c, JSON.stringify({ command: "ws_auth", auth_token: user.wsToken }), (t) => t.includes('"event":"rtm.ready"'));
    }
  });
  const readyAt = performance.now();
  const connectMs = readyAt - t0;
  const connectClientCpu = clientCpu(cpu0, connectMs);
  await sleep(300); // let the last handshakes' CPU land in /proc
  const connectCpuUsPerSocket = ((cpuSeconds(service.runtime) - connectCpuBefore) * 1e6) / n;
  await hooks.afterConnect?.();
  const heapBytesPerSocket = heapProbe ? perSocket(heapBefore, await heapProbe(), n) : Number.NaN;
  log(
    `  ${side.kind}: ${n} clients connected${ours ? " and authenticated" : ""} in ${(connectMs / 1000).toFixed(2)} s (room runtime ${connectCpuUsPerSocket.toFixed(0)} us CPU per socket${Number.isFinite(heapBytesPerSocket) ? `, live heap +${Math.round(heapBytesPerSocket)} bytes per socket` : ""}; before connecting it was busy ${(backgroundCores * 100).toFixed(0)} % of a core)`,
  );

  let filterMs = 0;
  if (ours && spec.filters) {
    const frame = filterFrame(spec.publish);
    t0 = performance.now();
    await pool(n, spec.concurrency, (i) => request(clients[i]!, frame, (t) => t.includes('"correlationId":"bench"') && t.includes('"type":"success"')));
    filterMs = performance.now() - t0;
  }

  // Real clients ping; a silent socket is pinged by the room after 25 s and closed after 50 s.
  const keepalive = ours
    ? setInterval(() => {
        for (const c of clients) if (c.ws.readyState === 1) c.ws.send(AUTO_PING);
      }, 15_000)
    : null;

  // --- publish ------------------------------------------------------------------------------
  const P = typing ? Math.min(spec.publishers, side.users.length, n) : Math.min(spec.publishers, n);
  const total = spec.warmup + spec.messages;
  const tally = new Tally(n, total, P, timedFrom(spec.mode, readyAt));
  const socketsOfUser = new Map<number, number>();
  for (const c of clients) socketsOfUser.set(c.user, (socketsOfUser.get(c.user) ?? 0) + 1);
  const sentIdx: number[][] = Array.from({ length: P }, () => []);
  sink.tally = tally;
  sink.typing = typing
    ? { pubOfUser: new Map(side.users.slice(0, P).map((u, p) => [u.id, p])), sentIdx, count: new Int32Array(n * P) }
    : null;
  const kOf = new Int32Array(P);
  let publishErrors = 0;
  const echoWaiters = new Map<string, () => void>();
  sink.onEcho =
    !ours && spec.rate === 0 && spec.barePublish === "ws"
      ? (client, pub, k) => {
          if (client !== pub) return;
          const key = `${pub}:${k}`;
          echoWaiters.get(key)?.();
          echoWaiters.delete(key);
        }
      : null;

  /** Publishes message idx from publisher p; resolves when the publisher may send its next one. */
  const publishOne = async (idx: number, p: number): Promise<void> => {
    const k = kOf[p]!++;
    if (!ours && spec.barePublish === "http") {
      const text = marker(idx, p, k);
      tally.sent(idx, performance.now(), n);
      try {
        const res = await fetch(`${service.base}/pub/${room.name}`, { method: "POST", body: text });
        await res.arrayBuffer();
        if (res.status === 200) tally.accept(idx);
        else publishErrors++;
      } catch {
        publishErrors++;
      }
      return;
    }
    if (!ours) {
      const text = marker(idx, p, k);
      const echoed = spec.rate === 0 ? new Promise<void>((r) => echoWaiters.set(`${p}:${k}`, r)) : null;
      tally.sent(idx, performance.now(), n);
      clients[p]!.ws.send(text);
      tally.accept(idx);
      if (echoed) await Promise.race([echoed, sleep(10_000)]);
      return;
    }
    if (typing) {
      sentIdx[p]!.push(idx);
      tally.sent(idx, performance.now(), n - (socketsOfUser.get(p) ?? 0));
      clients[p]!.ws.send(JSON.stringify({ command: "ws_ephemeral_typing", channel_id: room.channelId }));
      tally.accept(idx);
      return;
    }
    // Publishers are sequential chains; several may share a user (the token is all they need).
    const user = side.users[p % side.users.length]!;
    const body = JSON.stringify({ channel_id: room.channelId, text: marker(idx, p, k) });
    tally.sent(idx, performance.now(), n);
    try {
      const res = await fetch(`${service.base}/api/v1/chat.postmessage`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
        body,
      });
      await res.arrayBuffer();
      if (res.status === 200) tally.accept(idx);
      else publishErrors++;
    } catch {
      publishErrors++;
    }
  };

  // Connecting leaves work behind too (the presence fan-out of the last users to arrive): latency
  // below capacity is measured on a settled room, as each side's first message would otherwise be.
  await hooks.beforePublish?.();
  const cpuBefore = cpuSeconds(service.workerd);
  const runtimeBefore = cpuSeconds(service.runtime);
  cpu0 = process.cpuUsage();
  const gc = new GcWatch();
  t0 = performance.now();
  if (spec.rate === 0) {
    if (typing) throw new Error("typing is throttled per user: measure it below capacity (latency mode)");
    let next = 0;
    await Promise.all(
      Array.from({ length: P }, async (_, p) => {
        for (let idx = next++; idx < total; idx = next++) await publishOne(idx, p);
      }),
    );
  } else {
    // Open loop: message i is due at t0 + i/rate from publisher i % P; one publisher sends in order.
    const chains: Promise<void>[] = Array.from({ length: P }, () => Promise.resolve());
    const interval = 1000 / spec.rate;
    for (let idx = 0; idx < total; idx++) {
      const due = t0 + idx * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const p = idx % P;
      chains[p] = chains[p]!.then(() => publishOne(idx, p));
    }
    await Promise.all(chains);
  }
  const publishMs = performance.now() - t0;

  // --- drain --------------------------------------------------------------------------------
  let lastProgress = performance.now();
  let lastCount = -1;
  while (tally.received < tally.expectedTotal) {
    if (tally.received !== lastCount) {
      lastCount = tally.received;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > 10_000) break;
    await sleep(20);
  }
  const windowMs = Math.max(1, tally.lastRecv - tally.firstSend);
  const clientGc = gc.stop();
  const slowest = tally.slowest();
  const slowestDuringClientGc = slowest.filter(([idx, ms]) => gc.pausedDuring(tally.sentAt(idx), tally.sentAt(idx) + ms)).length;
  const publishClientCpu = clientCpu(cpu0, performance.now() - t0);
  await sleep(300); // let the last sends' CPU land in /proc
  const serverCpuSec = cpuSeconds(service.workerd) - cpuBefore;
  const runtimeCpuSec = cpuSeconds(service.runtime) - runtimeBefore;
  await hooks.afterDrain?.();
  if (keepalive) clearInterval(keepalive);

  const unexpectedCloses = clients.filter((c) => c.closed !== null).length;
  const otherFrames = clients.reduce((s, c) => s + c.other, 0);
  sink.tally = null;
  sink.typing = null;
  sink.onEcho = null;
  const peakRssKb = sampler.stop();
  await closeAll(clients);

  const m: Measurement = {
    side: side.kind,
    clients: n,
    connectSec: connectMs / 1000,
    connectCpuUsPerSocket,
    heapBytesPerSocket,
    backgroundCores,
    filterSec: filterMs / 1000,
    published: tally.published,
    publishErrors,
    publishSec: publishMs / 1000,
    deliveries: tally.received,
    expected: tally.expected(),
    deliveriesPerSec: tally.received / (windowMs / 1000),
    latencyMs: tally.percentiles(),
    slowest,
    lost: tally.lost(),
    duplicates: tally.duplicates,
    outOfOrder: tally.outOfOrder,
    foreign: tally.foreign,
    otherFrames,
    unexpectedCloses,
    serverCpuSec,
    runtimeCpuSec,
    cpuUsPerDelivery: tally.received ? (serverCpuSec * 1e6) / tally.received : Number.NaN,
    runtimeCpuUsPerDelivery: tally.received ? (runtimeCpuSec * 1e6) / tally.received : Number.NaN,
    peakRssMb: peakRssKb / 1024,
    rssGrowthMb: (peakRssKb - sampler.startKb) / 1024,
    connectClientCpu,
    publishClientCpu,
    clientGc,
    slowestDuringClientGc,
  };
  log(
    `  ${side.kind}: ${m.deliveries}/${m.expected} deliveries, ${Math.round(m.deliveriesPerSec)}/s, p99 ${m.latencyMs.p99.toFixed(1)} ms, cpu ${serverCpuSec.toFixed(2)} s (${m.cpuUsPerDelivery.toFixed(1)} us/delivery; room runtime ${runtimeCpuSec.toFixed(2)} s, ${m.runtimeCpuUsPerDelivery.toFixed(1)} us/delivery)${spec.mode === "latency" ? `; slowest messages [idx, ms]: ${JSON.stringify(m.slowest)}, ${slowestDuringClientGc} of them during a client GC pause ≥ 10 ms (client GC: ${clientGc.count} pauses, max ${clientGc.maxMs.toFixed(1)} ms)` : ""}`,
  );
  // Give the room time to process the closes before the next scenario measures anything.
  await sleep(1500);
  return m;
}
