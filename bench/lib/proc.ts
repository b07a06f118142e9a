/**
 * Server cost from /proc: CPU seconds (utime + stime) and resident memory of the processes a
 * `wrangler dev` started. Linux only; the benchmark runs where the tests run.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_SEC = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cpuSec: number;
}

function readStat(pid: number): ProcInfo | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may hold spaces and parentheses: the fields after it start after the last ')'.
    const close = raw.lastIndexOf(")");
    const comm = raw.slice(raw.indexOf("(") + 1, close);
    const f = raw.slice(close + 2).split(" ");
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { pid, ppid: Number(f[1]), comm, cpuSec: (Number(f[11]) + Number(f[12])) / TICKS_PER_SEC };
  } catch {
    return null; // gone
  }
}

/** The process `root` and all its descendants. */
export function processTree(root: number): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(Number(name));
    if (info) all.push(info);
  }
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcInfo[] = [];
  const self = all.find((p) => p.pid === root);
  if (self) out.push(self);
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

export function cpuSeconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += readStat(pid)?.cpuSec ?? 0;
  return total;
}

/** VmRSS and VmHWM (peak resident set since the process started), in KiB. */
export function memoryKb(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { rss, hwm };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** Samples the summed RSS of some processes every `everyMs` and keeps the peak. */
export class RssSampler {
  private peakKb = 0;
  /** the first sample: what the processes held before the scenario */
  startKb = -1;
  private readonly timer: NodeJS.Timeout;
  private readonly pids: readonly number[];

  constructor(pids: readonly number[], everyMs = 200) {
    this.pids = pids;
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    let sum = 0;
    for (const pid of this.pids) sum += memoryKb(pid).rss;
    if (this.startKb < 0) this.startKb = sum;
    if (sum > this.peakKb) this.peakKb = sum;
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakKb;
  }
}

/**
 * CPU seconds the whole machine has been busy (all CPUs, every process: /proc/stat's user, nice,
 * system, irq and softirq). On two cores, whatever else runs while one side is measured (the
 * other side still closing its sockets, its alarms) competes with the measured side.
 */
export function machineBusySeconds(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  // user nice system idle iowait irq softirq steal: time stolen by the host is not ours to wait out.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = f;
  return (user + nice + system + irq + softirq) / TICKS_PER_SEC;
}
