import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import { asyncApiDocument } from "../../src/docs/asyncapi";
import { openApiDocument } from "../../src/docs/openapi";

/**
 * The documents the server serves, checked by the tools their readers use: the AsyncAPI parser
 * (what AsyncAPI Studio runs) and Redocly's `recommended` ruleset. Both run offline.
 */
describe("the ecosystem's validators accept the documents", () => {
  it("@asyncapi/parser: no errors and no warnings", async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument("1.0.0")));
    const problems = diagnostics
      .filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
      .map((d) => `${d.code} ${d.message} at ${d.path.join(".")}`);
    expect(problems).toEqual([]);
    expect(document).toBeDefined();
    // The shared objects resolve: an event's payload reaches the Message schema through its $ref.
    const post = document!.components().messages().get("event_chat_postMessage")!;
    expect(post.payload()!.properties()!.payload!.properties()!.message!.properties()!.content).toBeDefined();
  });

  it("Redocly recommended: no errors, and only the warnings listed here", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: JSON.stringify(openApiDocument("1.0.0")), absoluteRef: "openapi.json", config });
    expect(problems.filter((p) => p.severity === "error").map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    const warnings = new Set(problems.filter((p) => p.severity === "warn").map((p) => p.ruleId));
    // info-license: the service is not published under a licence, so the document names none.
    // operation-2xx-response: GET on a write route is documented with its only answer, 405.
    expect([...warnings].sort()).toEqual(["info-license", "operation-2xx-response"]);
  });
});
