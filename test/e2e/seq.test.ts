import { describe, expect, inject, it } from "vitest";
import { range, seqsOf, untilSeq } from "../helpers/events";
import { connect, nodeApi, wsUrl } from "../helpers/node";

const base = inject("baseUrl");
const api = nodeApi(base);

describe("seq under concurrent writers (against `npm start`)", () => {
  it("200 concurrent posts from several clients: every socket sees seq 1..N with no gap and no duplicate", async () => {
    const users = await Promise.all(["Ann", "Ben", "Cat", "Dan"].map((n) => api.newUser(n)));
    const [owner, ...others] = users;
    const channel = await api.newChannel(owner!.token, others.map((u) => u.user.id), "busy");
    const url = wsUrl(base, `/rtm/ws/channel/${channel.id}`);
    // two sockets per user, so several connections of one user are checked too
    const socks = await Promise.all([...users, ...users].map(() => connect(url)));
    const readies = await Promise.all(socks.map((s, i) => s.auth(users[i % users.length]!.wsToken)));
    const start = readies[0]!.payload.seq as number;
    expect(start).toBe(1); // the bot message announcing the invitees
    expect(readies.every((r) => r.payload.seq === start && r.payload.epoch === readies[0]!.payload.epoch)).toBe(true);

    const posts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        api.ok("chat.postmessage", { channel_id: channel.id, text: `p${i}` }, users[i % users.length]!.token),
      ),
    );
    const end = start + 200;
    await Promise.all(socks.map((s) => untilSeq(s, end, 30_000)));

    const postedIds = posts.map((p) => p.message.id as number).sort((a, b) => a - b);
    expect(new Set(postedIds).size).toBe(200);
    for (const s of socks) {
      expect(seqsOf(s)).toEqual(range(start + 1, end));
      const ids = s.frames.filter((f) => f.event === "chat.postMessage").map((f) => f.payload.message.id as number);
      expect([...ids].sort((a, b) => a - b)).toEqual(postedIds);
      // seq and message id grow together: both are assigned in the same transaction
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    // a late joiner can get all of it back from the log
    const late = await connect(url);
    const ready = await late.auth(owner!.wsToken);
    expect(ready.payload.seq).toBe(end);
    late.send({ command: "ws_resume", epoch: ready.payload.epoch, since_seq: 0 });
    const resumed = await late.event("rtm.resumed", 15_000);
    expect(resumed.payload).toEqual({ recovered: true, seq: end });
    expect(seqsOf(late)).toEqual(range(1, end));
    for (const s of [...socks, late]) s.close();
  });
});
