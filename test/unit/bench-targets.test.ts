import { describe, expect, it } from "vitest";
import { LIMITS, checkTargets } from "../../bench/lib/report.ts";
import { type Measurement, type ScenarioSpec, perSocket } from "../../bench/lib/scenario.ts";

/**
 * The benchmark's target check (bench/lib/report.ts): which ratio each scenario is judged on and
 * against what limit. A target that silently stopped being checked would read as "held".
 */
function spec(mode: "capacity" | "latency", publish: "http" | "typing", clients: number, filters: 0 | 3 = 0): ScenarioSpec {
  return { name: `${mode} ${publish} ${clients}`, mode, publish, clients, filters, messages: 10, warmup: 0, rate: 0, publishers: 1, concurrency: 1, barePublish: "ws" };
}

function measured(side: "bare" | "ours", over: Partial<Measurement> = {}): Measurement {
  const base = {
    side, clients: 500, connectSec: 1, connectCpuUsPerSocket: 100, heapBytesPerSocket: 1000, backgroundCores: 0, filterSec: 0,
    published: 10, publishErrors: 0, publishSec: 1, deliveries: 10, expected: 10, deliveriesPerSec: 1000,
    latencyMs: { p50: 5, p90: 8, p99: 10, max: 12, mean: 6 }, slowest: [], lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0,
    otherFrames: 0, unexpectedCloses: 0, serverCpuSec: 1, runtimeCpuSec: 1, cpuUsPerDelivery: 10, runtimeCpuUsPerDelivery: 10,
    peakRssMb: 1, rssGrowthMb: 0, connectClientCpu: 0, publishClientCpu: 0, clientGc: { count: 0, long: 0, maxMs: 0, pauses: [] }, slowestDuringClientGc: 0,
  };
  return { ...base, ...over } as Measurement;
}

const targets = (s: ScenarioSpec, ours: Partial<Measurement>) =>
  Object.fromEntries(checkTargets([{ spec: s, bare: measured("bare"), ours: measured("ours", ours) }]).map((c) => [c.target, [Number(c.value.toFixed(3)), c.holds]]));

describe("bench targets", () => {
  it("a latency scenario with posts: p99 ≤ 1.3×, runtime CPU per delivery ≤ 1.2×, connect figures, zero loss", () => {
    expect(targets(spec("latency", "http", 500), { latencyMs: { p50: 5, p90: 8, p99: 13, max: 20, mean: 6 }, runtimeCpuUsPerDelivery: 12.5, connectSec: 1.4, connectCpuUsPerSocket: 151 })).toEqual({
      "zero lost/dup/out-of-order (ours)": [0, true],
      "zero lost/dup/out-of-order (bare)": [0, true],
      "connect+auth ≤ 1.4× bare": [1.4, true],
      "CPU per connecting socket ≤ 1.5×": [1.51, false],
      "p99 latency ≤ 1.3× bare": [1.3, true],
      "CPU per delivery ≤ 1.2×": [1.25, false],
    });
  });

  it("typing is held to 1.1× CPU per delivery; below N = 500 connect time is not a target", () => {
    const t = targets(spec("latency", "typing", 200), { runtimeCpuUsPerDelivery: 11.5 });
    expect(t["CPU per delivery ≤ 1.1×"]).toEqual([1.15, false]);
    expect(Object.keys(t).some((k) => k.startsWith("connect+auth"))).toBe(false);
  });

  it("capacity scenarios: deliveries/s (0.7× with filters), no heap figure", () => {
    const t = targets(spec("capacity", "http", 1000, 3), { deliveriesPerSec: 650, heapBytesPerSocket: 1600 });
    expect(t["capacity ≥ 0.7× bare"]).toEqual([0.65, false]);
    expect(t).not.toHaveProperty(["live heap per socket ≤ 1.5×"]);
    expect(LIMITS.capacity).toBe(0.8);
  });

  it("a heap scenario is judged on live heap per socket (≤ 1.5×) and zero loss only", () => {
    expect(targets({ ...spec("capacity", "http", 1000), heap: true }, { heapBytesPerSocket: 1600, deliveriesPerSec: 1, connectSec: 9 })).toEqual({
      "zero lost/dup/out-of-order (ours)": [0, true],
      "zero lost/dup/out-of-order (bare)": [0, true],
      "live heap per socket ≤ 1.5×": [1.6, false],
    });
  });

  it("a lost delivery on either side misses", () => {
    expect(targets(spec("latency", "http", 500), { lost: 1 })["zero lost/dup/out-of-order (ours)"]).toEqual([1, false]);
  });

  it("live heap per socket is the growth over the sockets, unknown when a reading is missing", () => {
    expect(perSocket(1_000_000, 3_000_000, 500)).toBe(4000);
    expect(perSocket(Number.NaN, 3_000_000, 500)).toBeNaN();
    expect(perSocket(1, 2, 0)).toBeNaN();
  });
});
