/**
 * The printed table (stdout) and the target check. Ratios are ours / bare from the same run;
 * nothing here asserts a wall-clock time.
 */
import type { Measurement, ScenarioSpec } from "./scenario.ts";

export interface ScenarioResult {
  spec: ScenarioSpec;
  bare: Measurement | null;
  ours: Measurement | null;
  /** every measurement, when a scenario ran more than one round */
  rounds?: Measurement[];
  /** --webhook-ab: post p99 per round without and with an endpoint, in the order they ran */
  webhookP99?: { off: number[]; on: number[] };
  /**
   * Below capacity with HTTP posts: the bare room again, each message reaching it the way our posts
   * do (HTTP → worker → RPC). Not a target: it shows what the runtime's HTTP path costs by itself.
   */
  bareHttp?: Measurement | null;
}

type Row = [label: string, get: (m: Measurement) => number, digits: number];

const ROWS: Row[] = [
  ["connect+auth all clients (s)", (m) => m.connectSec, 2],
  ["  room runtime CPU per socket (us)", (m) => m.connectCpuUsPerSocket, 0],
  ["  live heap per socket (bytes)", (m) => m.heapBytesPerSocket, 0],
  ["deliveries/s", (m) => m.deliveriesPerSec, 0],
  ["messages published", (m) => m.published, 0],
  ["latency p50 (ms)", (m) => m.latencyMs.p50, 1],
  ["latency p90 (ms)", (m) => m.latencyMs.p90, 1],
  ["latency p99 (ms)", (m) => m.latencyMs.p99, 1],
  ["latency max (ms)", (m) => m.latencyMs.max, 1],
  ["server CPU (s, all workerd)", (m) => m.serverCpuSec, 2],
  ["  of which the room's runtime (s)", (m) => m.runtimeCpuSec, 2],
  ["server CPU per delivery (us)", (m) => m.cpuUsPerDelivery, 1],
  ["  room runtime CPU per delivery (us)", (m) => m.runtimeCpuUsPerDelivery, 1],
  ["peak RSS, all workerd (MB)", (m) => m.peakRssMb, 0],
  ["  growth during the scenario (MB)", (m) => m.rssGrowthMb, 0],
  ["lost deliveries", (m) => m.lost, 0],
  ["duplicated", (m) => m.duplicates, 0],
  ["out of order", (m) => m.outOfOrder, 0],
  ["publish errors", (m) => m.publishErrors, 0],
  ["sockets closed by server", (m) => m.unexpectedCloses, 0],
  ["load generator CPU (cores)", (m) => m.publishClientCpu, 2],
  ["load generator GC pauses ≥ 10 ms", (m) => m.clientGc?.long ?? Number.NaN, 0],
  ["  longest (ms)", (m) => m.clientGc?.maxMs ?? Number.NaN, 1],
];

const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : "-");

export function printScenario(r: ScenarioResult): void {
  const { spec } = r;
  const lines: string[] = [];
  lines.push("");
  lines.push(
    `== ${spec.name} · ${spec.messages} msgs${spec.warmup ? ` (timed, after ${spec.warmup} of warm-up: checked, not timed)` : ""} · ${spec.rate ? `${spec.rate} msg/s open loop` : "closed loop"} · ${spec.publishers} publishers${spec.barePublish === "http" ? " · bare publishes over HTTP" : ""}`,
  );
  if ((r.rounds?.length ?? 0) > 2) lines.push(`(best of ${r.rounds!.length / 2} rounds per side; all rounds are in the JSON)`);
  lines.push(`${"metric".padEnd(36)}${"bare".padStart(12)}${"ours".padStart(12)}${"ours/bare".padStart(11)}`);
  for (const [label, get, digits] of ROWS) {
    const b = r.bare ? get(r.bare) : Number.NaN;
    const o = r.ours ? get(r.ours) : Number.NaN;
    const ratio = b > 0 && Number.isFinite(o) ? fmt(o / b, 2) : "";
    lines.push(`${label.padEnd(36)}${fmt(b, digits).padStart(12)}${fmt(o, digits).padStart(12)}${ratio.padStart(11)}`);
  }
  if (r.bareHttp && r.ours) {
    const b = r.bareHttp;
    lines.push(
      `control: the bare room published over HTTP (like our posts): p50 ${fmt(b.latencyMs.p50, 1)} ms, p99 ${fmt(b.latencyMs.p99, 1)} ms, ` +
        `room runtime ${fmt(b.runtimeCpuSec, 2)} s; ours / that: p99 ${fmt(r.ours.latencyMs.p99 / b.latencyMs.p99, 2)}, room runtime CPU ${fmt(r.ours.runtimeCpuSec / b.runtimeCpuSec, 2)}`,
    );
  }
  if (r.ours?.filterSec) lines.push(`(ours: setting 3 filters on every socket took ${r.ours.filterSec.toFixed(2)} s, not in connect time)`);
  for (const m of [r.bare, r.ours]) {
    if (m && m.publishClientCpu > 0.9) {
      lines.push(`!! ${m.side}: the load generator used ${m.publishClientCpu.toFixed(2)} cores while publishing: it may be the bottleneck`);
    }
    if (m && m.connectClientCpu > 0.9) {
      lines.push(`!! ${m.side}: the load generator used ${m.connectClientCpu.toFixed(2)} cores while connecting: connect time may be the client's`);
    }
  }
  console.log(lines.join("\n"));
}

export interface TargetCheck {
  scenario: string;
  target: string;
  value: number;
  limit: number;
  holds: boolean;
}

/**
 * The targets (docs/performance.md "Targets"), each a ratio ours / bare from the same run. Every
 * scenario checks zero loss on both sides; the rest apply where they are measured.
 */
export const LIMITS = {
  capacity: 0.8,
  capacityFiltered: 0.7,
  /** room runtime CPU per delivery below capacity */
  cpuPerDeliveryPosts: 1.2,
  cpuPerDeliveryTyping: 1.1,
  /** publish → deliver p99 below capacity */
  p99: 1.3,
  /** room runtime CPU per connecting socket */
  connectCpu: 1.5,
  /** connect + auth wall time, from this many sockets up */
  connect: 1.4,
  connectFromClients: 500,
  /** live heap per connected socket (heap scenarios measure it) */
  heapPerSocket: 1.5,
} as const;

export function checkTargets(results: readonly ScenarioResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratio = (scenario: string, target: string, value: number, limit: number, atMost: boolean) => {
    if (Number.isFinite(value)) out.push({ scenario, target, value, limit, holds: atMost ? value <= limit : value >= limit });
  };
  for (const r of results) {
    const { ours, bare, spec } = r;
    for (const m of [ours, bare]) {
      if (!m) continue;
      const bad = m.lost + m.duplicates + m.outOfOrder;
      out.push({ scenario: spec.name, target: `zero lost/dup/out-of-order (${m.side})`, value: bad, limit: 0, holds: bad === 0 });
    }
    if (!ours || !bare) continue;
    const name = spec.name;
    if (spec.heap) {
      // Only the heap figure: its runtimes have just taken heap snapshots.
      ratio(name, `live heap per socket ≤ ${LIMITS.heapPerSocket}×`, ours.heapBytesPerSocket / bare.heapBytesPerSocket, LIMITS.heapPerSocket, true);
      continue;
    }
    if (spec.clients >= LIMITS.connectFromClients) {
      ratio(name, `connect+auth ≤ ${LIMITS.connect}× bare`, ours.connectSec / bare.connectSec, LIMITS.connect, true);
    }
    ratio(name, `CPU per connecting socket ≤ ${LIMITS.connectCpu}×`, ours.connectCpuUsPerSocket / bare.connectCpuUsPerSocket, LIMITS.connectCpu, true);
    if (spec.mode === "capacity") {
      const limit = spec.filters ? LIMITS.capacityFiltered : LIMITS.capacity;
      ratio(name, `capacity ≥ ${limit}× bare`, ours.deliveriesPerSec / bare.deliveriesPerSec, limit, false);
    } else {
      ratio(name, `p99 latency ≤ ${LIMITS.p99}× bare`, ours.latencyMs.p99 / bare.latencyMs.p99, LIMITS.p99, true);
      const cpuLimit = spec.publish === "typing" ? LIMITS.cpuPerDeliveryTyping : LIMITS.cpuPerDeliveryPosts;
      ratio(name, `CPU per delivery ≤ ${cpuLimit}×`, ours.runtimeCpuUsPerDelivery / bare.runtimeCpuUsPerDelivery, cpuLimit, true);
    }
  }
  return out;
}

export function printTargets(results: readonly ScenarioResult[]): TargetCheck[] {
  const checks = checkTargets(results);
  const lines = ["", "== targets (ratios ours/bare from the same run)"];
  for (const c of checks) {
    lines.push(`${c.holds ? "holds " : "MISSED"}  ${c.scenario.padEnd(44)} ${c.target.padEnd(36)} ${fmt(c.value, 2)}`);
  }
  for (const r of results) {
    if (!r.bareHttp || !r.ours) continue;
    const ratio = r.ours.latencyMs.p99 / r.bareHttp.latencyMs.p99;
    lines.push(`info    ${r.spec.name.padEnd(44)} ${"p99 / bare published over HTTP".padEnd(36)} ${fmt(ratio, 2)}`);
  }
  console.log(lines.join("\n"));
  return checks;
}
