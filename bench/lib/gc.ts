/**
 * Garbage-collection pauses of the load generator itself. Latency is timed in this process, so a
 * delivery that arrives while this process is paused for GC looks late on both sides alike; the
 * report says how long those pauses were and whether the slowest messages fell inside one.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";

export interface GcPause {
  /** performance.now() at the start of the pause */
  at: number;
  ms: number;
  major: boolean;
}

export interface GcSummary {
  count: number;
  totalMs: number;
  maxMs: number;
  /** pauses of 10 ms and more */
  long: number;
}

export class GcWatch {
  readonly pauses: GcPause[] = [];
  private readonly observer: PerformanceObserver;

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
        this.pauses.push({ at: e.startTime, ms: e.duration, major: kind === constants.NODE_PERFORMANCE_GC_MAJOR });
      }
    });
    this.observer.observe({ entryTypes: ["gc"] });
  }

  stop(): GcSummary {
    this.observer.disconnect();
    let totalMs = 0;
    let maxMs = 0;
    let long = 0;
    for (const p of this.pauses) {
      totalMs += p.ms;
      maxMs = Math.max(maxMs, p.ms);
      if (p.ms >= 10) long++;
    }
    return { count: this.pauses.length, totalMs, maxMs, long };
  }

  /** Whether a pause of at least `minMs` overlaps [from, to] (performance.now() times). */
  pausedDuring(from: number, to: number, minMs = 10): boolean {
    return this.pauses.some((p) => p.ms >= minMs && p.at <= to && p.at + p.ms >= from);
  }
}
