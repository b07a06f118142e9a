/**
 * Builds the package into dist/: ES modules plus a `.d.ts` for each, by tsc alone (the sources
 * import one another with `.js` specifiers, so the output runs in Node and in bundlers as is).
 * dist/ is emptied first so a module that was renamed or removed never ships.
 *
 *   npm run build -w @edge-realtime/client   (npm pack runs it first; so does the demo build,
 *                                            which skips it while the sources are unchanged)
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const dir = new URL("..", import.meta.url).pathname;
const stamp = `${dir}dist/.sources.sha256`;

function sourcesHash(): string {
  const hash = createHash("sha256");
  const files = ["package.json", "tsconfig.json", ...readdirSync(`${dir}src`).sort().map((f) => `src/${f}`)];
  for (const f of files) hash.update(f).update(readFileSync(`${dir}${f}`));
  return hash.digest("hex");
}

export function buildClient(options: { ifChanged?: boolean } = {}): void {
  const hash = sourcesHash();
  if (options.ifChanged && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) return;
  rmSync(`${dir}dist`, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", dir], { stdio: "inherit" });
  writeFileSync(stamp, hash);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) buildClient();
