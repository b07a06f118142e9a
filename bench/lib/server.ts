/**
 * Starts a `wrangler dev` (ours through `npm start` as the README does, the bare room through
 * `npx wrangler dev -c bench/baseline/wrangler.toml`) in its own process group, waits until it
 * answers, finds its workerd processes, and stops the whole group again.
 * Spawning and the readiness wait are shared with test/helpers/server.ts (processGroup.ts).
 */
import type { ChildProcess } from "node:child_process";
import { freePort, spawnUntilReady } from "../../test/helpers/processGroup.ts";
import { cmdline, processTree } from "./proc.ts";

/**
 * Both sides run with the same wrangler local-observability setting (its trace collector gets
 * every invocation's tail events): off, as `npm start` runs it, unless the caller's environment
 * says otherwise (`X_LOCAL_OBSERVABILITY=true npm run bench`).
 */
process.env.X_LOCAL_OBSERVABILITY ??= "false";
export const LOCAL_OBSERVABILITY = process.env.X_LOCAL_OBSERVABILITY;

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

export async function startService(opts: {
  name: string;
  command: string;
  args: (port: number, inspectorPort: number) => string[];
  cwd: string;
  timeoutMs?: number;
}): Promise<Service> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const { proc, base, output, stop } = await spawnUntilReady({
    name: opts.name,
    command: opts.command,
    args: opts.args(port, inspectorPort),
    cwd: opts.cwd,
    port,
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
  const workerd = processTree(proc.pid!)
    .filter((p) => p.comm === "workerd")
    .map((p) => p.pid);
  const runtime = workerd.filter((pid) => !cmdline(pid).includes(`entry=127.0.0.1:${port}`));
  return { name: opts.name, base, port, inspectorPort, proc, workerd, runtime, output, stop: () => stop() };
}
