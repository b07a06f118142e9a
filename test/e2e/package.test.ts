/**
 * The client package as a user gets it: `npm pack` (which builds it), the tarball's contents, and
 * the tarball installed into a scratch project outside the repository, type-checked from there
 * (both entry points, Node's own ESM resolution, the React example) and run from there against
 * the local server (`npm start`). The scratch project links the repository's copies of
 * partysocket, react and @types/react and installs with --offline: nothing is downloaded.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { nodeApi } from "../helpers/node";

const repo = new URL("../..", import.meta.url).pathname;
const base = inject("baseUrl");
const api = nodeApi(base);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

let scratch = "";
let tarball = "";
let entries: string[] = [];

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? e.message}`);
  }
}

/** Compiles against the installed package only: any mistake in its types or exports fails here. */
const CHECK_TS = `
import { CloseCode, RealtimeClient, RequestError, type EventPayloads, type MessageObject, type Status } from "@edge-realtime/client";
import * as pkg from "@edge-realtime/client";
import { RealtimeProvider, useChannel, useRealtimeStatus, type ChannelState } from "@edge-realtime/client/react";

const client = new RealtimeClient({ baseUrl: "http://127.0.0.1:8787" });
client.channel(1).on("chat.userTyping", (p) => {
  const name: string = p.user.display_name;
  // @ts-expect-error the payload is typed: no such field
  p.user.displayName;
  return name;
});
client.channel(1).request("ws_read_notification", { channel_id: 1, message_id: "10004" });
// @ts-expect-error commands are typed: a missing parameter
client.channel(1).request("ws_read_notification", { channel_id: 1 });
const content: MessageObject["content"] = { type: 2, bot_message: "added" };
const ready: EventPayloads["rtm.ready"]["connection_id"] = "c";
const closed: Status["state"] = "closed";
const notAllowed: 4003 = CloseCode.NotAllowed;
const hooks: [typeof RealtimeProvider, (id: number) => ChannelState, () => Status] = [RealtimeProvider, useChannel, useRealtimeStatus];
// @ts-expect-error internals are not exported
pkg.backoffDelay;
// @ts-expect-error internals are not exported
pkg.closeAction;
// @ts-expect-error internals are not exported
pkg.tokenExpiry;
export { content, ready, closed, notAllowed, hooks, RequestError };
`;

/** Logs in, connects, opens a channel, posts over HTTP and waits for the event: the whole path. */
const SMOKE_MJS = `
import { RealtimeClient } from "@edge-realtime/client";
const [baseUrl, email, password] = process.argv.slice(2);
const client = new RealtimeClient({ baseUrl });
const user = await client.login(email, password);
await client.connect();
const { channel } = await client.http.createChannel("from the tarball");
const socket = client.channel(channel.id);
await socket.ready();
const received = new Promise((resolve) => socket.on("chat.postMessage", (p) => resolve(p.message)));
const posted = await client.http.postMessage(channel.id, "hello from a packed client");
const message = await received;
console.log(JSON.stringify({ user: user.id, channel: channel.id, posted: posted.message.id, received: message.id, content: message.content }));
client.close();
`;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "edge-realtime-client-"));
  const packed = JSON.parse(run("npm", ["pack", "--workspace", "packages/client", "--pack-destination", scratch, "--json"], repo)) as {
    filename: string;
  }[];
  tarball = join(scratch, packed[0]!.filename);
  entries = run("tar", ["-tzf", tarball], scratch).split("\n").filter(Boolean);
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the packed client", () => {
  it("holds only the build, its types, the package manifest, README and CHANGELOG", () => {
    const names = entries.map((e) => e.replace(/^package\//, ""));
    for (const needed of ["package.json", "README.md", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts", "dist/react.js", "dist/react.d.ts"]) {
      expect(names).toContain(needed);
    }
    const unexpected = names.filter((n) => !/^(package\.json|README\.md|CHANGELOG\.md|dist\/[\w-]+\.(js|d\.ts))$/.test(n));
    expect(unexpected, "files a user does not need").toEqual([]);
    const server = names.filter((n) => /(^|\/)(src|test|channel|rooms|user|storage|http|auth|ops|migrations)\//.test(n) || /\.test\./.test(n));
    expect(server, "server sources or tests in the tarball").toEqual([]);
  });

  it("imports nothing but partysocket and react at run time (no zod, no server module)", () => {
    const dir = join(scratch, "unpacked");
    run("mkdir", ["-p", dir], scratch);
    run("tar", ["-xzf", tarball, "-C", dir], scratch);
    const imports = new Set<string>();
    for (const name of entries.filter((e) => e.endsWith(".js") || e.endsWith(".d.ts"))) {
      const text = readFileSync(join(dir, name), "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) if (!m[1]!.startsWith("./")) imports.add(m[1]!);
    }
    expect([...imports].sort()).toEqual(["partysocket/ws", "react"]);
  });

  it("installs into a project outside the repository and type-checks there (main and React entry, nodenext)", () => {
    const link = (name: string) => `file:${join(repo, "node_modules", name)}`;
    writeFileSync(
      join(scratch, "package.json"),
      JSON.stringify({
        name: "scratch-app",
        private: true,
        type: "module",
        dependencies: {
          "@edge-realtime/client": `file:${tarball}`,
          partysocket: link("partysocket"),
          react: link("react"),
          "@types/react": link("@types/react"),
        },
      }),
    );
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], scratch);
    const installed = JSON.parse(readFileSync(join(scratch, "node_modules/@edge-realtime/client/package.json"), "utf8"));
    expect(installed.version).toBe(JSON.parse(readFileSync(join(repo, "packages/client/package.json"), "utf8")).version);

    writeFileSync(join(scratch, "check.ts"), CHECK_TS);
    cpSync(join(repo, "packages/client/examples/react-chat.tsx"), join(scratch, "react-chat.tsx"));
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          types: [],
          jsx: "react-jsx",
          strict: true,
          noEmit: true,
          // The package's own .d.ts files are checked too.
          skipLibCheck: false,
        },
        files: ["check.ts", "react-chat.tsx"],
      }),
    );
    run(process.execPath, [tsc, "-p", "tsconfig.json"], scratch);
  }, 180_000);

  it("runs from that project: logs in, connects, posts and receives against the local server", async () => {
    const user = await api.newUser("Packed");
    writeFileSync(join(scratch, "smoke.mjs"), SMOKE_MJS);
    const out = JSON.parse(run(process.execPath, ["smoke.mjs", base, user.email, user.password], scratch).trim()) as Record<string, unknown>;
    expect(out.user).toBe(user.user.id);
    expect(out.received).toBe(out.posted);
    expect(out.content).toBe("hello from a packed client");
  }, 60_000);
});
