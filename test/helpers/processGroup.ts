/**
 * Process plumbing shared by the e2e server helper and the benchmark: a free loopback port,
 * starting a `wrangler dev` in its own process group and waiting until it answers, and stopping
 * the whole group (wrangler dev and its workerd children) again.
 * Only node builtins here: the benchmark imports it under `node --experimental-strip-types`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Signals the group (SIGTERM by default; SIGKILL simulates a crash), escalating after 5 s. */
export async function stopGroup(proc: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  try {
    process.kill(-proc.pid!, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

export interface StartedGroup {
  proc: ChildProcess;
  base: string;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Spawns `command args` detached (its own process group), with PORT set, and resolves once the
 * worker on that port answers 404 to an unknown API path; on an early exit or the deadline it
 * stops the group and throws with everything the process printed.
 */
export async function spawnUntilReady(opts: {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  port: number;
  env?: Record<string, string>;
  timeoutMs: number;
}): Promise<StartedGroup> {
  const proc = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, PORT: String(opts.port), CI: "true", NO_COLOR: "1", ...opts.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout!.on("data", (d) => (log += d));
  proc.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${opts.port}`;
  const stop = (signal: NodeJS.Signals = "SIGTERM") => stopGroup(proc, signal);

  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${opts.name} exited early (${proc.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${base}/api/v1/none`);
      if (res.status === 404) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} did not start within ${opts.timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { proc, base, output: () => log, stop };
}
