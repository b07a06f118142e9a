/**
 * The client package's public surface is deliberate: what each entry point exports at run time,
 * and the API report (packages/client/api-report.md: every exported name with its type). An
 * accidental change (an internal helper exported, a parameter changed) fails here; an intended
 * one is made by rewriting the report (`npm run api-report -w @edge-realtime/client`).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiReport } from "../../packages/client/scripts/api-report";

describe("client package surface", () => {
  it("exports only the documented values from each entry point", async () => {
    const main = await import("../../packages/client/src/index.ts");
    expect(Object.keys(main).sort()).toEqual(["ApiCallError", "CloseCode", "HttpApi", "RealtimeClient", "RequestError", "RtmSocket"]);
    const react = await import("../../packages/client/src/react.ts");
    expect(Object.keys(react).sort()).toEqual(["RealtimeProvider", "useChannel", "useRealtimeClient", "useRealtimeStatus"]);
  });

  it("keeps backoff maths, close policy, token parsing and resume bookkeeping internal", async () => {
    const main: Record<string, unknown> = await import("../../packages/client/src/index.ts");
    for (const internal of ["backoffDelay", "backoffCeiling", "DEFAULT_BACKOFF", "closeAction", "tokenExpiry", "ResumeState", "Requests", "Listeners", "ChannelFeed", "AUTO_PING"]) {
      expect(main[internal], internal).toBeUndefined();
    }
  });

  it("matches the API report", () => {
    const committed = readFileSync(new URL("../../packages/client/api-report.md", import.meta.url), "utf8");
    expect(committed, "the public surface changed: review it, then npm run api-report -w @edge-realtime/client").toBe(apiReport());
  }, 60_000);
});
