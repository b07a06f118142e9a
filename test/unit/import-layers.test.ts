/**
 * The folders of src/ form layers (docs/architecture.md, "Layers"): no folder may reach back to a
 * folder that depends on it, type-only imports included, so a room can change without its
 * callers and each layer can be read on its own.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type FileEdge, fileEdges, folderCycles, folderGraph } from "../helpers/importGraph";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

const edge = (from: string, to: string): FileEdge => ({ from, to });

describe("folder layers of src/", () => {
  it("has no import cycle between folders", () => {
    expect(folderCycles(folderGraph(fileEdges(SRC))), "a folder cycle: move what both sides need to a lower layer (contracts/)").toEqual([]);
  });

  it("sees type-only imports, export-from and dynamic imports", () => {
    const edges = fileEdges(SRC);
    // env.ts reaches the room contracts only through `import type`.
    expect(edges).toContainEqual(edge("env.ts", "contracts/channelRoom.ts"));
    // rooms/stubs.ts is a bare `export ... from`.
    expect(edges).toContainEqual(edge("rooms/stubs.ts", "contracts/rooms.ts"));
  });

  it("names each cycle with the imports that close it", () => {
    const cycles = folderCycles(
      folderGraph([
        edge("channel/ChannelRoom.ts", "user/presence.ts"),
        edge("user/UserRoom.ts", "channel/reads.ts"),
        edge("http/app.ts", "docs/openapi.ts"),
        edge("docs/openapi.ts", "server/keys.ts"),
        edge("server/auth.ts", "http/errors.ts"),
        edge("env.ts", "ops/StatsRoom.ts"),
        edge("protocol/wire.ts", "config.ts"),
      ]),
    );
    expect(cycles).toEqual([
      "channel → user → channel (folders in this cycle: channel, user)\n  channel/ChannelRoom.ts imports user/presence.ts\n  user/UserRoom.ts imports channel/reads.ts",
      "docs → server → http → docs (folders in this cycle: docs, http, server)\n  docs/openapi.ts imports server/keys.ts\n  server/auth.ts imports http/errors.ts\n  http/app.ts imports docs/openapi.ts",
    ]);
  });
});
