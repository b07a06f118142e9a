import { describe, expect, it } from "vitest";
import { channelWs, trio } from "../helpers/life";
import { BASE, api } from "../helpers/workerd";
import { SELF } from "cloudflare:test";

describe("action.create", () => {
  it("creates an action: {action} in the seed's shape and action.create {action, channel_id} with seq", async () => {
    const { alice, bob, channel } = await trio();
    const ws = await channelWs(channel.id, alice.wsToken);
    const body = await api.ok(
      "action.create",
      { channel_id: channel.id, action_name: "test action2", action_desc: "action desc", action_type: 1, due_on: "2019-11-29 01:31:18" },
      bob.token,
    );
    const action = {
      channel_id: channel.id,
      action_name: "test action2",
      action_desc: "action desc",
      action_type: 1,
      action_status: 0,
      due_on: "2019-11-29 01:31:18",
      created_on: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      created_by: bob.user.id,
      updated_on: null,
      updated_by: null,
      id: 1,
    };
    expect(body).toEqual({ meta: { ok: true }, action });
    expect(Object.keys(body.action)).toEqual(Object.keys(action));
    const ev = await ws.event("action.create");
    expect(ev).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: 2 },
      event: "action.create",
      payload: { action: body.action, channel_id: channel.id },
    });

    const minimal = await api.ok("action.create", { channel_id: channel.id, action_name: "just a name" }, alice.token);
    expect(minimal.action).toMatchObject({ id: 2, action_desc: null, action_type: 1, action_status: 0, due_on: null, created_by: alice.user.id });
    const unix = await api.ok("action.create", { channel_id: channel.id, action_name: "u", due_on: "1575000000", action_type: "3" }, alice.token);
    expect(unix.action).toMatchObject({ id: 3, due_on: "2019-11-29 04:00:00", action_type: 3 });
    ws.close();
  });

  it("validates (422 per field), refuses non-members (403) and GET (405)", async () => {
    const { alice, channel } = await trio();
    const eve = await api.newUser("Eve");
    for (const [params, field] of [
      [{ channel_id: channel.id }, "action_name"],
      [{ channel_id: channel.id, action_name: "  " }, "action_name"],
      [{ channel_id: channel.id, action_name: "a", due_on: "next week" }, "due_on"],
      [{ channel_id: channel.id, action_name: "a", action_type: 0 }, "action_type"],
      [{ channel_id: channel.id, action_name: "a", action_type: "x" }, "action_type"],
    ] as const) {
      const r = await api.call("action.create", params, alice.token);
      expect(r.status, JSON.stringify(params)).toBe(422);
      expect(r.body[field], JSON.stringify(params)).toEqual(expect.any(String));
    }
    const out = await api.call("action.create", { channel_id: channel.id, action_name: "a" }, eve.token);
    expect(out.status).toBe(403);
    const get = await SELF.fetch(`${BASE}/api/v1/action.create`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(get.status).toBe(405);
  });
});
