/**
 * Rewrites src/protocol.ts from the server's protocol definitions (protocol-types.ts says how).
 * The server's modules use extensionless imports, which Node cannot load as they are, so the
 * generator is bundled by esbuild first (zod stays external and resolves from node_modules).
 *
 *   npm run generate -w @edge-realtime/client
 */
import { rmSync, writeFileSync } from "node:fs";
import { buildSync } from "esbuild";

const dir = new URL("..", import.meta.url).pathname;
const bundled = `${dir}scripts/.protocol-types.bundle.mjs`;

buildSync({
  entryPoints: [`${dir}scripts/protocol-types.ts`],
  bundle: true,
  format: "esm",
  platform: "node",
  external: ["zod"],
  outfile: bundled,
  logLevel: "warning",
});
try {
  const { protocolTypesSource } = (await import(bundled)) as { protocolTypesSource: () => string };
  writeFileSync(`${dir}src/protocol.ts`, protocolTypesSource());
} finally {
  rmSync(bundled, { force: true });
}
