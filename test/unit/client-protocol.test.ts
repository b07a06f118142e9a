/**
 * The client package's protocol types (packages/client/src/protocol.ts) are generated from the
 * server's zod schemas, close codes and ping frame. A server change that was not regenerated
 * (`npm run generate -w @edge-realtime/client`) fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { protocolTypesSource } from "../../packages/client/scripts/protocol-types";

describe("client protocol types", () => {
  it("are what the server's schemas generate", () => {
    const committed = readFileSync(new URL("../../packages/client/src/protocol.ts", import.meta.url), "utf8");
    expect(committed, "packages/client/src/protocol.ts is stale: npm run generate -w @edge-realtime/client").toBe(protocolTypesSource());
  });
});
