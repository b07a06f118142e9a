import { readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The repository speaks of the product, in the present tense: no work-log words (numbered
 * sessions, issues or runs) and no citations of documents outside it. Comments cite sections of
 * docs/protocol.md by anchor, and every anchor cited exists. This walks the same folders a
 * reviewer would grep, and the configuration beside them.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PLACES = [
  "README.md",
  "docs",
  "src",
  "demo",
  "test",
  "bench",
  "packages",
  "migrations",
  ".ci",
  "wrangler.toml",
  "package.json",
  "vitest.config.ts",
  "vitest.browser.config.ts",
];
/** Build output and installed packages: not written here. */
const SKIP = new Set(["node_modules", "dist", "generated", "results"]);
/** Text files by extension; "" is a script without one (.ci/run). */
const TEXT = new Set([".ts", ".tsx", ".js", ".mjs", ".md", ".json", ".html", ".css", ".toml", ".sql", ".svg", ""]);

// The patterns are assembled from parts so this file does not match them itself.
const SECTION_SIGN = "\u00a7";
const RULES: { why: string; pattern: RegExp }[] = [
  { why: "a work-log word (a numbered session, issue or run)", pattern: /session [0-9]|issue [0-9]|run [0-9][A-Z]\b/i },
  { why: "a citation of a document outside the repository", pattern: new RegExp(`SPEC ${SECTION_SIGN}|SPEC\\.md|STY${"LE"}`) },
];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name) || entry.name.startsWith(".")) return [];
    const child = join(path, entry.name);
    if (entry.isDirectory()) return files(child);
    return TEXT.has(extname(entry.name)) ? [child] : [];
  });
}

const ALL = PLACES.flatMap(files);
const lines = ALL.flatMap((file) =>
  readFileSync(join(ROOT, file), "utf8")
    .split("\n")
    .map((text, i) => ({ where: `${relative(ROOT, join(ROOT, file))}:${i + 1}`, text })),
);

describe("words in the repository", () => {
  it("walks the documents, sources, demo, tests, benchmark, packages and configuration", () => {
    expect(ALL).toContain("README.md");
    for (const place of ["docs/protocol.md", "src/index.ts", "demo/build.ts", "bench/run.ts", "test/unit/repo-words.test.ts", "wrangler.toml", ".ci/run"]) expect(ALL).toContain(place);
    expect(ALL.some((f) => f.startsWith("packages/client/src/"))).toBe(true);
    expect(ALL.some((f) => f.includes("node_modules") || f.includes("/dist/"))).toBe(false);
  });

  for (const rule of RULES) {
    it(`has no ${rule.why}`, () => {
      const hits = lines.filter((l) => rule.pattern.test(l.text)).map((l) => `${l.where}: ${l.text.trim()}`);
      expect(hits).toEqual([]);
    });
  }

  it("the rules catch what they are for", () => {
    const table: { text: string; caught: boolean }[] = [
      { text: `measured in session ${6}`, caught: true },
      { text: `the banner of issue ${4}`, caught: true },
      { text: `as run ${7}D showed`, caught: true },
      { text: `SPEC ${SECTION_SIGN}3 says`, caught: true },
      { text: `see STY${"LE"}.md`, caught: true },
      { text: "a user's sessions end at logout", caught: false },
      { text: "docs/protocol.md#close-codes", caught: false },
    ];
    for (const row of table) expect(RULES.some((r) => r.pattern.test(row.text)), row.text).toBe(row.caught);
  });

  it("every docs/protocol.md anchor cited exists", () => {
    const protocol = readFileSync(join(ROOT, "docs/protocol.md"), "utf8");
    const anchors = new Set([...protocol.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]));
    expect(anchors.size).toBeGreaterThan(10);
    const cited = lines.flatMap((l) => [...l.text.matchAll(/protocol\.md#([a-z0-9-]+)/g)].map((m) => ({ where: l.where, anchor: m[1]! })));
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter((c) => !anchors.has(c.anchor)).map((c) => `${c.where}: #${c.anchor}`)).toEqual([]);
  });
});
