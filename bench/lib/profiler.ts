/**
 * A CPU profile of a `wrangler dev` worker through its inspector (Chrome DevTools protocol:
 * Profiler.start / Profiler.stop), and a text summary of where the time went; also the isolate's
 * live heap after a full collection (a heap snapshot, then Runtime.getHeapUsage).
 */
import WebSocket from "ws";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export class Profiler {
  private readonly ws: WebSocket;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      const waiter = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (!waiter) return;
      this.pending.delete(msg.id!);
      if (msg.error) waiter.reject(new Error(JSON.stringify(msg.error)));
      else waiter.resolve(msg.result);
    });
  }

  static async connect(inspectorPort: number): Promise<Profiler> {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error("the inspector lists no target");
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new Profiler(ws);
  }

  private call<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      // A method the runtime does not implement is never answered: fail instead of waiting forever.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from the inspector in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(intervalUs = 250): Promise<void> {
    await this.call("Profiler.enable");
    await this.call("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.call("Profiler.start");
  }

  /**
   * Live heap (bytes) after a full collection: what every later collection has to walk. workerd's
   * inspector does not answer HeapProfiler.collectGarbage; a heap snapshot collects first (its
   * chunks are dropped unread), and the heap usage read right after it is what survived. Once a
   * snapshot is taken, V8 tracks every object move at each collection until the heap profiler is
   * disabled, which slows the isolate down: it is disabled again at once.
   */
  async liveHeap(): Promise<number> {
    await this.call("HeapProfiler.enable");
    try {
      await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      const { usedSize } = await this.call<{ usedSize: number }>("Runtime.getHeapUsage");
      return usedSize;
    } finally {
      await this.call("HeapProfiler.disable");
    }
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = await this.call<{ profile: CpuProfile }>("Profiler.stop");
    return profile;
  }

  close(): void {
    this.ws.close();
  }
}

function keyOf(f: CallFrame): string {
  const file = f.url ? f.url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, "") : "";
  return `${f.functionName || "(anonymous)"}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
}

/** Self and total (inclusive) milliseconds per function, busiest first. */
export function summarize(profile: CpuProfile, top = 25): string {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  // Every sample weighs the typical interval. Weighing each by the gap to the next one, as before,
  // let a function sampled just before the isolate went quiet take the whole quiet time (workerd
  // samples about every 3 ms while busy and takes few samples in between): in one connect profile,
  // zod's parse showed 17 % by gaps and 1.6 % by samples.
  const gaps = profile.timeDeltas.slice(1).filter((d) => d > 0).sort((a, b) => a - b);
  const dt = (gaps[gaps.length >> 1] ?? 0) / 1000;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    sampled += dt;
    const k = keyOf(node.callFrame);
    if (k === "(idle)") idle += dt;
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + dt);
    }
  }
  const busy = sampled - idle;
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .filter(([k]) => k !== "(root)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, ms]) => `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / Math.max(busy, 1e-9)).toFixed(1).padStart(6)}%  ${k}`);
  return [
    `profile: ${profile.samples.length} samples (${sampled.toFixed(0)} ms at the median interval), ${busy.toFixed(0)} ms not idle ((program) is the runtime's own native work; % of not idle samples)`,
    "-- self time",
    ...rows(self),
    "-- total time (inclusive)",
    ...rows(total),
  ].join("\n");
}
