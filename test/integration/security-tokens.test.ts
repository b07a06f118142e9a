import { afterAll, describe, expect, it } from "vitest";
import { report, tried } from "../helpers/hostile";
import { algNone, rtmClaims, sign, swapHeader, tamperUser } from "../helpers/tokens";
import { api, channelSocket, userSocket } from "../helpers/workerd";

afterAll(() => report("security-tokens"));

async function forgeries(userId: number, validRtm: string, validAccess: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    "wrong key": await sign(rtmClaims(userId), { secret: "not-the-server-secret" }),
    "alg none": algNone(rtmClaims(userId)),
    "swapped header (HS512)": swapHeader(validRtm, "HS512"),
    "swapped header (RS256)": swapHeader(validRtm, "RS256"),
    "tampered user id": tamperUser(validRtm, userId + 1),
    expired: await sign(rtmClaims(userId), { iat: now - 7200, exp: now - 3600 }),
    "not yet valid (nbf)": await sign(rtmClaims(userId), { nbf: now + 3600 }),
    "issued in the future": await sign(rtmClaims(userId), { iat: now + 3600, exp: now + 7200 }),
    "bearer token as ws_token": validAccess,
    "no typ claim": await sign({ ...rtmClaims(userId), typ: undefined }),
    "string user id": await sign({ ...rtmClaims(userId), user_id: String(userId) }),
    garbage: "not.a.jwt",
    empty: "",
  };
}

describe("forged websocket tokens", () => {
  it("every forgery closes 4001 on a channel socket and on the user stream", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    for (const [why, token] of Object.entries(await forgeries(alice.user.id, alice.wsToken, alice.token))) {
      for (const open of [() => channelSocket(channel.id), () => userSocket(alice.user.id)]) {
        const ws = await open();
        ws.send({ command: "ws_auth", auth_token: token });
        const closed = await ws.waitClose();
        expect(closed.code, why).toBe(4001);
        tried("forged ws_token");
      }
    }
  });

  it("a valid token of another user is refused where that user may not be (4003)", async () => {
    const alice = await api.newUser("Alice");
    const mallory = await api.newUser("Mallory");
    const channel = await api.newChannel(alice.token);
    const a = await channelSocket(channel.id);
    a.send({ command: "ws_auth", auth_token: mallory.wsToken });
    expect((await a.waitClose()).code).toBe(4003);
    const b = await userSocket(alice.user.id);
    b.send({ command: "ws_auth", auth_token: mallory.wsToken });
    expect((await b.waitClose()).code).toBe(4003);
    tried("another user's token", 2);
  });

  it("re-auth with a forged token or another user's token closes 4001", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    for (const token of [bob.wsToken, algNone(rtmClaims(alice.user.id))]) {
      const ws = await channelSocket(channel.id);
      await ws.auth(alice.wsToken);
      ws.send({ command: "ws_auth", auth_token: token });
      expect((await ws.waitClose()).code).toBe(4001);
      tried("forged re-auth");
    }
  });
});

describe("forged bearer tokens", () => {
  it("every forgery gets 401 with the error envelope, and nothing is created", async () => {
    const alice = await api.newUser("Alice");
    const access = await forgeries(alice.user.id, alice.token, alice.wsToken);
    // the ws_token (typ rtm) is the "bearer token" forgery here
    const cases = { ...access, "ws_token as bearer": alice.wsToken };
    delete (cases as Record<string, string>)["bearer token as ws_token"];
    for (const [why, token] of Object.entries(cases)) {
      const r = await api.call("channel.create", { channel_name: `forged ${why}` }, token || "x");
      expect(r.status, why).toBe(401);
      expect(r.body.meta.ok).toBe(false);
      tried("forged bearer");
    }
    const list = await api.ok("channel.list", {}, alice.token);
    expect(list.channels).toEqual([]);
  });
});
