/**
 * Starts the service the way the README does (`npm start`: D1 migrations + wrangler dev on
 * miniflare) on a free port, and stops it (the whole process group) again.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort, stopGroup } from "./processGroup";

export interface RunningServer {
  base: string;
  port: number;
  proc: ChildProcess;
  output: () => string;
  /** SIGTERM by default; SIGKILL simulates a crash. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export { freePort };

export async function startServer(
  port?: number,
  timeoutMs = 90_000,
  extraArgs: string[] = [],
  command: string[] = ["npm", "start"],
  /** Local state directory (`PERSIST_DIR`); a second server must not share the first one's. */
  persistDir?: string,
): Promise<RunningServer> {
  const chosen = port ?? (await freePort());
  const cwd = new URL("../..", import.meta.url).pathname;
  const args = [...command.slice(1), ...(extraArgs.length ? (command[0] === "npm" ? ["--", ...extraArgs] : extraArgs) : [])];
  const proc = spawn(command[0]!, args, {
    cwd,
    env: { ...process.env, PORT: String(chosen), CI: "true", NO_COLOR: "1", ...(persistDir ? { PERSIST_DIR: persistDir } : {}) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout!.on("data", (d) => (log += d));
  proc.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${chosen}`;

  const stop = (signal: NodeJS.Signals = "SIGTERM") => stopGroup(proc, signal);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early (${proc.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${base}/api/v1/none`);
      if (res.status === 404) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server did not start within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, port: chosen, proc, output: () => log, stop };
}
