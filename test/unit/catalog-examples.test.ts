import { describe, expect, it } from "vitest";
import { routes } from "../../src/http/catalog";
import { digitsUpTo } from "../../src/http/schemas";
import { openApiDocument } from "../../src/docs/openapi";

describe("operation examples", () => {
  it("every route's request example is accepted by its parameter schema", () => {
    for (const r of routes) expect(r.params.safeParse(r.example).error?.issues, r.name).toBeUndefined();
  });

  it("every route's response example in the document is a body its response schema accepts", () => {
    const doc = openApiDocument("1.0.0") as any;
    const refused: Record<string, unknown> = {};
    for (const r of routes) {
      const example = doc.paths[`/api/v1/${r.name}`].post.responses["200"].content["application/json"].example;
      const issues = r.response.safeParse(example).error?.issues;
      if (issues) refused[r.name] = issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    }
    expect(refused).toEqual({});
  });
});

describe("digitsUpTo", () => {
  it.each([9, 10, 99, 200, 1000, 3600, 86400])("matches exactly the numerals 1..%i", (max) => {
    const re = new RegExp(digitsUpTo(max));
    const wrong: number[] = [];
    for (let n = 0; n <= max + 1100; n++) if (re.test(String(n)) !== (n >= 1 && n <= max)) wrong.push(n);
    expect(wrong).toEqual([]);
    expect(re.test("007")).toBe(false);
    expect(re.test("-1")).toBe(false);
  });
});
