/**
 * Starts the service the way the README does (`npm start`: D1 migrations + wrangler dev on
 * miniflare) on a free port, and stops it (the whole process group) again.
 */
import type { ChildProcess } from "node:child_process";
import { freePort, spawnUntilReady } from "./processGroup";

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
  // Tests of the sharded e2e project start their own servers sharded too.
  const cap = process.env.SHARD_SOCKET_CAP;
  if (cap && command[0] === "npm" && !extraArgs.some((a) => a.startsWith("SHARD_SOCKET_CAP:"))) {
    extraArgs = [...extraArgs, "--var", `SHARD_SOCKET_CAP:${cap}`];
  }
  const cwd = new URL("../..", import.meta.url).pathname;
  const args = [...command.slice(1), ...(extraArgs.length ? (command[0] === "npm" ? ["--", ...extraArgs] : extraArgs) : [])];
  const started = await spawnUntilReady({
    name: "server",
    command: command[0]!,
    args,
    cwd,
    port: chosen,
    env: persistDir ? { PERSIST_DIR: persistDir } : {},
    timeoutMs,
  });
  return { ...started, port: chosen };
}
