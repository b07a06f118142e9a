import { describe, expect, it } from "vitest";
import type { TestSocket } from "../helpers/socket";
import { advanceAndRunAlarm, api, channelStub, userSocket } from "../helpers/workerd";

describe("unread pushes in slices", () => {
  it("a busy channel's members are pushed ten per alarm run, each exactly once, none lost", async () => {
    const owner = await api.newUser("Owner");
    const members = await Promise.all(Array.from({ length: 14 }, (_, i) => api.newUser(`Member ${i}`)));
    const channel = await api.newChannel(owner.token, members.map((m) => m.user.id));
    const stub = channelStub(channel.id);
    // settle the creation's bot-message pushes first
    for (let i = 0; i < 4; i++) await advanceAndRunAlarm(stub, 1000);

    const streams: TestSocket[] = [];
    for (const m of members) {
      const s = await userSocket(m.user.id);
      await s.auth(m.wsToken);
      streams.push(s);
    }
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "to everyone" }, owner.token);
    const updates = () => streams.map((s) => s.frames.filter((f) => f.event === "chat.unreadCountUpdate").length);

    await advanceAndRunAlarm(stub, 1000); // first slice
    await new Promise((r) => setTimeout(r, 200));
    const first = updates();
    expect(first.filter((n) => n === 1)).toHaveLength(10);
    expect(first.filter((n) => n === 0)).toHaveLength(4);

    await advanceAndRunAlarm(stub, 30); // the deferred rest, 25 ms later
    for (const s of streams) {
      const u = await s.event("chat.unreadCountUpdate");
      expect(u.payload).toMatchObject({ channel_id: channel.id, channel_unread_count: 2 });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(updates()).toEqual(streams.map(() => 1));
    for (const s of streams) s.close();
  });
});
