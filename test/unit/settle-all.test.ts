import { afterEach, describe, expect, it, vi } from "vitest";
import { pinLogLevel, settleAll } from "../../src/ops/log";

afterEach(() => {
  vi.restoreAllMocks();
  pinLogLevel(null);
});

function lines(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return spy.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
}

describe("settleAll: a fan-out's failures", () => {
  it("waits for every call, answers outcomes in order and logs one line per failure", async () => {
    pinLogLevel("info");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const results = await settleAll("alert delivery failed", [Promise.resolve(1), Promise.reject(new Error("room gone")), Promise.resolve(3)], {
      user_id: 7,
    });
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(results[2]).toEqual({ status: "fulfilled", value: 3 });
    expect(lines(error)).toEqual([expect.objectContaining({ level: "error", msg: "alert delivery failed", user_id: 7, err: "Error: room gone" })]);
  });

  it("goes through the log's redaction and level", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    pinLogLevel("warn");
    await settleAll("session close failed", [Promise.reject(new Error("x"))], { token: "secret-value" }, "warn");
    expect(lines(warn)).toEqual([expect.objectContaining({ level: "warn", token: "[redacted]" })]);
    pinLogLevel("error");
    await settleAll("session close failed", [Promise.reject(new Error("x"))], {}, "warn");
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("logs nothing when every call succeeds", async () => {
    pinLogLevel("debug");
    const spies = [vi.spyOn(console, "error"), vi.spyOn(console, "warn"), vi.spyOn(console, "log")];
    expect(await settleAll("unused", [Promise.resolve("a")])).toEqual([{ status: "fulfilled", value: "a" }]);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
