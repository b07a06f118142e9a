import { describe, expect, it } from "vitest";
import { TokenError, signToken, verifyToken } from "../../src/auth/tokens";

const key = new TextEncoder().encode("token-cache-test-secret");
const rtm = { typ: "rtm" as const, user_id: 91010000, sid: 71010000, user_name: "A", client_ip: "", user_agent: "", finger_print: "" };

describe("verified-token cache", () => {
  it("a cached token still expires on time, and is still refused where the other typ is expected", async () => {
    // exp is whole seconds (iat floored + 1): signed late in a second, the token would expire
    // before the first check. Sign just after a second begins, so it is valid for ~1 s.
    await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
    const token = await signToken(rtm, 1, key);
    await expect(verifyToken(token, "rtm", key)).resolves.toMatchObject({ user_id: 91010000 });
    await expect(verifyToken(token, "rtm", key)).resolves.toMatchObject({ user_id: 91010000 }); // cache hit
    await expect(verifyToken(token, "access", key)).rejects.toMatchObject({ reason: "invalid" });
    await new Promise((r) => setTimeout(r, 1100));
    const err = await verifyToken(token, "rtm", key).catch((e) => e);
    expect(err).toBeInstanceOf(TokenError);
    expect(err.reason).toBe("expired");
  });

  it("another key never hits the cache", async () => {
    const token = await signToken(rtm, 60, key);
    await verifyToken(token, "rtm", key);
    await expect(verifyToken(token, "rtm", new TextEncoder().encode("other-secret"))).rejects.toMatchObject({ reason: "invalid" });
  });
});
