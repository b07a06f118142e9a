/**
 * Where connecting costs: opens sockets in three phases against one side and prints, per socket,
 * the wall time, the room runtime's CPU, all workerd CPU (with wrangler's entry proxy) and the
 * client's CPU. The phases split what `npm run bench` measures as one "connect + auth":
 *
 *   open only            N upgrades to a channel nobody authenticates in (ours) / the bare room
 *   auth first-of-user   the first socket of each of U users: ws_auth + that user's presence
 *                        (UserRoom lease, user.online to the sockets already there)
 *   auth rest            the other N − U sockets: ws_auth of a user already online
 *
 * Each round uses fresh users and channels; round 1 also warms the runtime up (read rounds 2+).
 *
 *   npm run bench:connect                          # ours, 4 rounds
 *   npm run bench:connect -- --side bare
 *   npm run bench:connect -- --profile first       # V8 profile of the phases whose label has "first"
 *   npm run bench:connect -- --perf rest           # Linux perf record of the runtime in "rest"
 *   npm run bench:connect -- --ours-args "--var X:1"   # extra `npm start` arguments (A/B hacks)
 *
 * Profiles are written to bench/results/connect-<phase>.(cpuprofile|perf.data).
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { type Client, closeAll, open, pool, request } from "./lib/clients.ts";
import { cpuSeconds } from "./lib/proc.ts";
import { Profiler, summarize } from "./lib/profiler.ts";
import { startService } from "./lib/server.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const SIDE = flag("side", "ours");
const ROUNDS = Number(flag("rounds", "4"));
const CLIENTS = Number(flag("clients", "500"));
const USERS = Number(flag("users", "60"));
const CONCURRENCY = Number(flag("concurrency", "50"));
const PROFILE = flag("profile", "");
const PERF = flag("perf", "");
const OURS_ARGS = flag("ours-args", "").split(" ").filter(Boolean);

const root = new URL("..", import.meta.url).pathname;
const results = `${root}bench/results`;
mkdirSync(results, { recursive: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(base: string, method: string, params: Record<string, unknown>, token?: string): Promise<any> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/api/v1/${method}`, { method: "POST", headers, body: JSON.stringify(params) });
  const body = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const svc =
  SIDE === "ours"
    ? await startService({ name: "ours", command: "npm", args: (_p, ip) => ["start", "--", "--inspector-port", String(ip), ...OURS_ARGS], cwd: root })
    : await startService({
        name: "bare",
        command: "npx",
        args: (p, ip) => ["wrangler", "dev", "-c", "bench/baseline/wrangler.toml", "--ip", "127.0.0.1", "--port", String(p), "--inspector-port", String(ip)],
        cwd: root,
      });
const pids = svc.runtime;
const wsBase = svc.base.replace(/^http/, "ws");

/** Waits until the runtime is quiet (as the benchmark does before connecting). */
async function quiet(): Promise<void> {
  await sleep(1500);
  for (let i = 0; i < 30; i++) {
    const c0 = cpuSeconds(pids);
    await sleep(500);
    if ((cpuSeconds(pids) - c0) / 0.5 < 0.05) return;
  }
}

async function phase(label: string, from: number, to: number, url: string, tokens: string[] | null, clients: Client[]): Promise<void> {
  await quiet();
  const file = `${results}/connect-${label.replace(/\W+/g, "-")}`;
  const perf = PERF && label.includes(PERF) ? spawn("perf", ["record", "-F", "1999", "-e", "cpu-clock", "-g", "-o", `${file}.perf.data`, "-p", pids.join(",")], { stdio: "ignore" }) : null;
  perf?.on("error", () => undefined); // no perf binary: no native profile
  if (perf) await sleep(300);
  const profiler = PROFILE && label.includes(PROFILE) ? await Profiler.connect(svc.inspectorPort) : null;
  await profiler?.start(200);
  const all0 = cpuSeconds(svc.workerd);
  const client0 = process.cpuUsage();
  const rt0 = cpuSeconds(pids);
  const t0 = performance.now();
  await pool(to - from, CONCURRENCY, async (k) => {
    const i = from + k;
    const c = await open(url, i, tokens ? i % tokens.length : -1);
    clients[i] = c;
    if (tokens) await request(c, JSON.stringify({ command: "ws_auth", auth_token: tokens[i % tokens.length] }), (t) => t.includes('"event":"rtm.ready"'));
  });
  const ms = performance.now() - t0;
  await sleep(300); // the last handshakes' CPU lands in /proc
  const n = to - from;
  const us = (sec: number) => ((sec * 1e6) / n).toFixed(0).padStart(6);
  const client = process.cpuUsage(client0);
  console.log(
    `${label.padEnd(28)} ${String(n).padStart(4)} sockets ${ms.toFixed(0).padStart(5)} ms | us per socket: runtime ${us(cpuSeconds(pids) - rt0)}, all workerd ${us(cpuSeconds(svc.workerd) - all0)}, client ${us((client.user + client.system) / 1e6)}`,
  );
  if (profiler) {
    const profile = await profiler.stop();
    profiler.close();
    writeFileSync(`${file}.cpuprofile`, JSON.stringify(profile));
    console.log(summarize(profile, 15));
  }
  if (perf) {
    perf.kill("SIGINT");
    await new Promise((r) => perf.on("exit", r));
  }
}

try {
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}${round === 1 ? " (warm-up)" : ""}`);
    if (SIDE !== "ours") {
      const clients: Client[] = [];
      await phase("open only", 0, CLIENTS, `${wsBase}/room/connect-${Date.now()}`, null, clients);
      await closeAll(clients);
      continue;
    }
    const tag = `${Date.now().toString(36)}r${round}`;
    const users: { id: number; token: string; ws: string }[] = [];
    for (let i = 0; i < USERS; i++) {
      const email = `connect.${tag}.${i}@example.test`;
      const password = "bench password 123";
      await api(svc.base, "user.create", { email, password, name: `Connect ${i}` });
      const login = await api(svc.base, "user.login", { email, password });
      const rtm = await api(svc.base, "rtm.connect", {}, login.token);
      users.push({ id: login.user.id, token: login.token, ws: rtm.rtm.ws_token });
    }
    const channel = async (members: number[]) =>
      (await api(svc.base, "channel.create", { channel_name: `connect ${tag}`, user_ids: members }, users[0]!.token)).channel.id as number;
    // Nobody authenticates here, so no one needs to be a member.
    let clients: Client[] = [];
    await phase("open only", 0, CLIENTS, `${wsBase}/rtm/ws/channel/${await channel([])}`, null, clients);
    await closeAll(clients);
    const url = `${wsBase}/rtm/ws/channel/${await channel(users.slice(1).map((u) => u.id))}`;
    const tokens = users.map((u) => u.ws);
    clients = [];
    await phase(`auth first-of-user`, 0, USERS, url, tokens, clients);
    await phase(`auth rest`, USERS, CLIENTS, url, tokens, clients);
    await closeAll(clients);
  }
} finally {
  await svc.stop();
}
