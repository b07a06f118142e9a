import { describe, expect, it } from "vitest";
import { post, trio, userShape, userWs } from "../helpers/life";
import { BASE, api } from "../helpers/workerd";
import { SELF } from "cloudflare:test";

const isAlert = (f: Record<string, any>) => f.event === "alert.notification";

describe("alert.notification", () => {
  it("a mention @<user_id> of a member alerts them on their stream; user.alerts lists it; user.alert.ack marks it read", async () => {
    const { alice, bob, channel } = await trio();
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const aliceStream = await userWs(alice.user.id, alice.wsToken);
    const msg = await post(alice.token, channel.id, `hey @${bob.user.id} and me @${alice.user.id}`);

    const ev = await bobStream.event("alert.notification");
    const alert = {
      alert_id: expect.any(Number),
      from: [userShape(alice, "Alice")],
      message_id: msg.id,
      alert_text: `Alice mentioned you: hey @${bob.user.id} and me @${alice.user.id}`,
      channel_id: channel.id,
      is_read: false,
      created_on_ts: expect.any(Number),
    };
    expect(ev).toEqual({ meta: { api: "v1", time: expect.any(Number) }, event: "alert.notification", payload: alert });
    await aliceStream.nothing(isAlert); // no alert for mentioning oneself

    expect(await api.ok("user.alerts", {}, bob.token)).toEqual({ meta: { ok: true }, alerts: [ev.payload] });
    const get = await SELF.fetch(`${BASE}/api/v1/user.alerts`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(get.status).toBe(200);
    expect(((await get.json()) as any).alerts).toEqual([ev.payload]);
    expect((await api.ok("user.alerts", {}, alice.token)).alerts).toEqual([]);

    expect(await api.ok("user.alert.ack", { alert_id: ev.payload.alert_id }, bob.token)).toEqual({ meta: { ok: true } });
    expect((await api.ok("user.alerts", {}, bob.token)).alerts).toEqual([{ ...ev.payload, is_read: true }]);
    // acknowledging again is fine; someone else's alert id (or none) is 404; bad ids 422; GET 405
    expect((await api.call("user.alert.ack", { alert_id: ev.payload.alert_id }, bob.token)).status).toBe(200);
    const foreign = await api.call("user.alert.ack", { alert_id: ev.payload.alert_id }, alice.token);
    expect(foreign.status).toBe(404);
    expect(foreign.body.meta.code).toBe("alert_not_found");
    expect((await api.call("user.alert.ack", { alert_id: "x" }, bob.token)).status).toBe(422);
    const ackGet = await SELF.fetch(`${BASE}/api/v1/user.alert.ack?alert_id=1`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(ackGet.status).toBe(405);
    expect((await api.call("user.alerts", {})).status).toBe(401);
    bobStream.close();
    aliceStream.close();
  });

  it("the [Name](user://<id>) form alerts too; a mention of a non-member creates no alert", async () => {
    const { alice, bob, carol, channel } = await trio();
    const eve = await api.newUser("Eve");
    const eveStream = await userWs(eve.user.id, eve.wsToken);
    const carolStream = await userWs(carol.user.id, carol.wsToken);
    const msg = await post(bob.token, channel.id, `[Carol](user://${carol.user.id}) and [Eve](user://${eve.user.id}) and @${eve.user.id}`);

    const ev = await carolStream.event("alert.notification");
    expect(ev.payload).toMatchObject({ from: [userShape(bob, "Bob")], message_id: msg.id, channel_id: channel.id, is_read: false });
    await eveStream.nothing(isAlert);
    expect((await api.ok("user.alerts", {}, eve.token)).alerts).toEqual([]);
    void alice;
    eveStream.close();
    carolStream.close();
  });

  it("a quote (parent_message_id) alerts the quoted message's author, once even when also mentioned; quoting oneself does not", async () => {
    const { alice, bob, channel } = await trio();
    const aliceStream = await userWs(alice.user.id, alice.wsToken);
    const original = await post(alice.token, channel.id, "original words");
    const quote = await post(bob.token, channel.id, "I agree", { parent_message_id: original.id });
    const ev = await aliceStream.event("alert.notification");
    expect(ev.payload).toEqual({
      alert_id: expect.any(Number),
      from: [userShape(bob, "Bob")],
      message_id: quote.id,
      alert_text: "Bob quoted your message: I agree",
      channel_id: channel.id,
      is_read: false,
      created_on_ts: expect.any(Number),
    });
    await post(bob.token, channel.id, `@${alice.user.id} see`, { parent_message_id: original.id });
    expect((await aliceStream.event("alert.notification")).payload.alert_text).toBe(`Bob mentioned you: @${alice.user.id} see`);
    await post(alice.token, channel.id, "self quote", { parent_message_id: original.id });
    await aliceStream.nothing(isAlert);
    expect((await api.ok("user.alerts", {}, alice.token)).alerts.map((a: any) => a.message_id)).toEqual([quote.id + 1, quote.id]);
    aliceStream.close();
  });

  it("an edit alerts only newly mentioned members", async () => {
    const { alice, bob, carol, channel } = await trio();
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const carolStream = await userWs(carol.user.id, carol.wsToken);
    const msg = await post(alice.token, channel.id, `hi @${bob.user.id}`);
    await bobStream.event("alert.notification");

    await api.ok("chat.updatemessage", { channel_id: channel.id, message_id: msg.id, text: `hi @${bob.user.id} and @${carol.user.id}` }, alice.token);
    const ev = await carolStream.event("alert.notification");
    expect(ev.payload).toMatchObject({ message_id: msg.id, alert_text: `Alice mentioned you: hi @${bob.user.id} and @${carol.user.id}` });
    await bobStream.nothing(isAlert);
    bobStream.close();
    carolStream.close();
  });
});
