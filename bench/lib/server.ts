/**
 * Starts a `wrangler dev` (ours through `npm start` as the README does, the bare room through
 * `npx wrangler dev -c bench/baseline/wrangler.toml`) in its own process group, waits until it
 * answers, finds its workerd processes, and stops the whole group again.
 * Mirrors test/helpers/server.ts (which is tied to `npm start`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort, stopGroup } from "../../test/helpers/processGroup.ts";
import { cmdline, processTree } from "./proc.ts";

export interface Service {
  name: string;
  base: string;
  port: number;
  inspectorPort: number;
  proc: ChildProcess;
  /** every workerd process under this wrangler dev (the entry proxy and the worker's runtime) */
  workerd: number[];
  /** the workerd that runs the worker and its Durable Objects (not the entry proxy) */
  runtime: number[];
  output: () => string;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startService(opts: {
  name: string;
  command: string;
  args: (port: number, inspectorPort: number) => string[];
  cwd: string;
  timeoutMs?: number;
}): Promise<Service> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const proc = spawn(opts.command, opts.args(port, inspectorPort), {
    cwd: opts.cwd,
    env: { ...process.env, PORT: String(port), CI: "true", NO_COLOR: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout!.on("data", (d) => (log += d));
  proc.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;

  const stop = () => stopGroup(proc);

  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${opts.name} exited early (${proc.exitCode}):\n${log}`);
    try {
      // Both workers answer 404 to an unknown path once they are up.
      const res = await fetch(`${base}/api/v1/none`);
      if (res.status === 404) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} did not start in time:\n${log}`);
    }
    await sleep(250);
  }

  const workerd = processTree(proc.pid!)
    .filter((p) => p.comm === "workerd")
    .map((p) => p.pid);
  const runtime = workerd.filter((pid) => !cmdline(pid).includes(`entry=127.0.0.1:${port}`));
  return { name: opts.name, base, port, inspectorPort, proc, workerd, runtime, output: () => log, stop };
}
