import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type MetaKey, type MetaKeyOf, type MetaValue, metaKey } from "../../src/storage/metaKeys";
import type { Meta } from "../../src/storage/sqlite";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** The registry's keys as the docs write them: `seq`, and a family as `typing:<uid>`. */
function registeredKeys(): string[] {
  const body = read("src/storage/metaKeys.ts").split("export interface MetaValues {")[1]!.split("\n}\n")[0]!;
  const plain = [...body.matchAll(/^ {2}(\w+): /gm)].map((m) => m[1]!);
  const families = [...body.matchAll(/^ {2}\[\w+: `(\w+):\$\{number\}`\]/gm)].map((m) => `${m[1]}:<uid>`);
  return [...plain, ...families];
}

describe("the _meta key registry", () => {
  it("lists every key in docs/architecture.md, and the docs list no other", () => {
    const section = read("docs/architecture.md").split("### `_meta` keys")[1]!.split("\n## ")[0]!;
    const documented = [...section.matchAll(/^\| (.+?) \|/gm)]
      .flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((k) => k[1]!));
    expect(documented.sort()).toEqual(registeredKeys().sort());
  });

  it("types keys and values at compile time", () => {
    // Nothing here runs against storage: the checks are tsc's (`npx tsc --noEmit` covers test/).
    const typed = (meta: Meta) => {
      const seq: number | undefined = meta.get("seq");
      const lease: string | undefined = meta.get(metaKey.lease(7));
      const older: number | undefined = meta.get<number>("sent");
      meta.set(metaKey.typing(7), 1);
      // @ts-expect-error an unknown key
      meta.get("cache-probe");
      // @ts-expect-error a value of the wrong type
      meta.set("seq", "12");
      // @ts-expect-error a family's value of the wrong type
      meta.set(metaKey.lease(7), 12);
      // @ts-expect-error the older spelling with the wrong type
      meta.get<string>("seq");
      return [seq, lease, older];
    };
    const value: MetaValue<"epoch"> = "e";
    const key: MetaKey = "presence_v:12";
    const numeric: MetaKeyOf<number> = "typing:3";
    expect([typeof typed, value, key, numeric]).toEqual(["function", "e", "presence_v:12", "typing:3"]);
  });
});
