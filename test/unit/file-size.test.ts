/**
 * Small modules with one job each (docs/architecture.md): no hand-written file of src/ grows past
 * 350 lines, and the channel room stays a facade over its capabilities (≤ 250). Generated files
 * (src/generated/) are left out.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

const lines = (path: string) => readFileSync(path, "utf8").replace(/\n$/, "").split("\n").length;

describe("file sizes in src/", () => {
  it("no file is over 350 lines", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(50);
    const over = files.filter((f) => lines(f) > 350).map((f) => `${relative(SRC, f)}: ${lines(f)}`);
    expect(over).toEqual([]);
  });

  it("ChannelRoom.ts is at most 250 lines", () => {
    expect(lines(join(SRC, "channel/ChannelRoom.ts"))).toBeLessThanOrEqual(250);
  });
});
