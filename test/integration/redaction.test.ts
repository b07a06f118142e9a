import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { durableTexts, resume, untilSeq } from "../helpers/events";
import { channelWs, post, trio, userWs } from "../helpers/life";
import type { TestUser } from "../helpers/api";
import { report, tried } from "../helpers/hostile";
import { api, channelStub } from "../helpers/workerd";
import { CHANNEL_SCHEMA } from "../../src/storage/channelSchema";

/** Migrations applied before the step that added redaction's index and join seqs. */
const REDACTION_STEP = CHANNEL_SCHEMA.findIndex((step) => step.includes("CREATE TABLE event_refs"));

afterAll(() => report("integration redaction"));

/** A connection that sends ws_resume right after auth; returns what the replay carried. */
async function replayFor(channelId: number, user: TestUser, since: number) {
  const sock = await channelWs(channelId, user.wsToken);
  const ready = sock.frames.find((f) => f.event === "rtm.ready")!.payload;
  const out = await resume(sock, ready.epoch, since);
  sock.close();
  return { ...out, ready };
}

describe("redaction: a replay never carries what channel.history no longer shows", () => {
  it("a deleted message's frames (post, quote, reactions, channel update) come back without its text", async () => {
    const { alice, bob, carol, channel } = await trio();
    const observer = await channelWs(channel.id, alice.wsToken);
    await post(bob.token, channel.id, "an unrelated message");
    const secret = await post(alice.token, channel.id, "the password is hunter2");
    await post(bob.token, channel.id, "quoting it", { parent_message_id: secret.id });
    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: secret.id, emoji_value: "👍" }, bob.token);
    await api.ok("channel.rename", { channel_id: channel.id, channel_name: "renamed" }, alice.token); // latest_message: the quote
    await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: secret.id }, alice.token);
    const del = await observer.event("chat.deleteMessage");
    // live sockets saw the text before the delete; that is not what this is about
    expect(durableTexts(observer).some((t) => t.includes("hunter2"))).toBe(true);

    const { replayed, resumed } = await replayFor(channel.id, carol, 0);
    expect(resumed.payload).toEqual({ recovered: true, seq: del.meta.seq });
    expect(replayed.length).toBe(del.meta.seq);
    expect(replayed.join("\n")).not.toContain("hunter2");
    tried("resume after a delete");
    const frames = replayed.map((t) => JSON.parse(t));
    const postFrame = frames.find((f) => f.event === "chat.postMessage" && f.payload.message.id === secret.id);
    expect(postFrame.payload.message.content).toBe("");
    const quote = frames.find((f) => f.event === "chat.postMessage" && f.payload.message.parent_message?.message_id === secret.id);
    expect(quote.payload.message.parent_message.content).toBe("");
    expect(quote.payload.message.content).toBe("quoting it");
    const reaction = frames.find((f) => f.event === "chat.updateMessage" && f.payload.message.id === secret.id);
    expect(reaction.payload.message).toMatchObject({ content: "", emoticons: [{ ev: "👍" }] });
    expect(frames.at(-1)).toEqual(del);

    // frames that carry nothing deleted stay byte-identical to what was sent live
    const untouched = durableTexts(observer).filter((t) => !t.includes("hunter2"));
    expect(untouched.map((t) => JSON.parse(t).event)).toEqual(["chat.postMessage", "chat.deleteMessage"]);
    for (const t of untouched) expect(replayed).toContain(t);

    const history = await api.ok("channel.history", { channel_id: channel.id }, carol.token);
    expect(JSON.stringify(history)).not.toContain("hunter2");
    observer.close();
  });

  it("an edited message's earlier frames carry its current text", async () => {
    const { alice, carol, channel } = await trio();
    const observer = await channelWs(channel.id, alice.wsToken);
    const msg = await post(alice.token, channel.id, "first draft: account 1234");
    await api.ok("chat.updatemessage", { channel_id: channel.id, message_id: msg.id, text: "second draft" }, alice.token);
    await api.ok("chat.updatemessage", { channel_id: channel.id, message_id: msg.id, text: "final" }, alice.token);
    const last = await untilSeq(observer, 4);

    const { replayed, resumed } = await replayFor(channel.id, carol, 0);
    expect(resumed.payload).toEqual({ recovered: true, seq: last.meta.seq });
    const carrying = replayed.map((t) => JSON.parse(t)).filter((f) => f.payload.message?.id === msg.id);
    expect(carrying.map((f) => [f.event, f.payload.message.content, f.payload.message.is_edited])).toEqual([
      ["chat.postMessage", "final", false],
      ["chat.updateMessage", "final", true],
      ["chat.updateMessage", "final", true],
    ]);
    expect(replayed.join("\n")).not.toMatch(/draft/);
    tried("resume after edits");
    // the last edit's frame is the one that was sent: nothing to rewrite there
    expect(replayed.at(-1)).toBe(durableTexts(observer).at(-1));
    observer.close();
  });
});

describe("redaction: a member's replay starts where they joined", () => {
  it("a member added later cannot replay from before the join (recovered:false), only from it", async () => {
    const { alice, bob, channel } = await trio();
    const dave = await api.newUser("Dave");
    const observer = await channelWs(channel.id, alice.wsToken);
    await post(alice.token, channel.id, "before dave: the code is 4711");
    const joinedAt = (await observer.event("chat.postMessage")).meta.seq;
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: dave.user.id }, alice.token);
    await post(bob.token, channel.id, "after dave");
    const last = await untilSeq(observer, joinedAt + 4); // user_added, bot message, channel.update, post

    for (const since of [0, joinedAt - 1]) {
      const { replayed, resumed } = await replayFor(channel.id, dave, since);
      expect(resumed.payload, `since ${since}`).toEqual({ recovered: false, seq: last.meta.seq });
      expect(replayed).toEqual([]);
      tried("resume from before the join");
    }
    const { replayed, resumed } = await replayFor(channel.id, dave, joinedAt);
    expect(resumed.payload).toEqual({ recovered: true, seq: last.meta.seq });
    expect(replayed.map((t) => JSON.parse(t).event)).toEqual([
      "user_added.channel",
      "chat.postMessage",
      "channel.update",
      "chat.postMessage",
    ]);
    expect(replayed.join("\n")).not.toContain("4711");
    // a member since the start still replays everything
    expect((await replayFor(channel.id, bob, 0)).resumed.payload.recovered).toBe(true);
    observer.close();
  });

  it("a member who left and was added again replays only from the new join", async () => {
    const { alice, bob, channel } = await trio();
    const observer = await channelWs(channel.id, alice.wsToken);
    await api.ok("channel.kick", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    await post(alice.token, channel.id, "while bob was away");
    const away = (await observer.event("chat.postMessage")).meta.seq;
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    const last = await untilSeq(observer, away + 3);

    const before = await replayFor(channel.id, bob, 0);
    tried("resume from before a rejoin");
    expect(before.resumed.payload).toEqual({ recovered: false, seq: last.meta.seq });
    const fromJoin = await replayFor(channel.id, bob, away);
    expect(fromJoin.resumed.payload).toEqual({ recovered: true, seq: last.meta.seq });
    expect(fromJoin.replayed.join("\n")).not.toContain("while bob was away");
    observer.close();
  });

  it("a member row without a join seq replays nothing from before now", async () => {
    const { alice, bob, channel } = await trio();
    await post(alice.token, channel.id, "older text");
    const stub = channelStub(channel.id);
    await runInDurableObject(stub, (_room, state) => {
      state.storage.sql.exec("UPDATE members SET joined_seq = NULL WHERE user_id = ?", bob.user.id);
    });
    await evictDurableObject(stub); // no cached member row
    const old = await replayFor(channel.id, bob, 0);
    expect(old.resumed.payload).toEqual({ recovered: false, seq: old.ready.seq });
    const now = await replayFor(channel.id, bob, old.ready.seq);
    expect(now.resumed.payload).toEqual({ recovered: true, seq: old.ready.seq });
    expect((await replayFor(channel.id, alice, 0)).resumed.payload.recovered).toBe(true);
  });
});

describe("redaction: a room whose storage predates it", () => {
  it("indexes the logged frames and gives members the seq they joined at, when the room opens", async () => {
    const { alice, bob, carol, channel } = await trio();
    const dave = await api.newUser("Dave");
    const observer = await channelWs(channel.id, alice.wsToken);
    const secret = await post(alice.token, channel.id, "legacy secret 6502");
    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: secret.id, emoji_value: "👀" }, bob.token);
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: dave.user.id }, alice.token);
    const added = await observer.event("user_added.channel");
    await untilSeq(observer, added.meta.seq + 2);
    const stub = channelStub(channel.id);
    // Back to the storage as it was before redaction existed: no index, no join seqs.
    await runInDurableObject(stub, (_room, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE event_refs");
      sql.exec("DROP TABLE alert_targets");
      sql.exec("ALTER TABLE members DROP COLUMN joined_seq");
      sql.exec("DROP TABLE shard_sockets"); // a later step: it runs again too
      expect(CHANNEL_SCHEMA.length - REDACTION_STEP).toBe(2); // a newer step must be undone here as well
      sql.exec("UPDATE _meta SET value = ? WHERE key = 'schema_version'", REDACTION_STEP);
    });
    await evictDurableObject(stub);

    await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: secret.id }, alice.token);
    const stored = await runInDurableObject(stub, (_room, state) => {
      const sql = state.storage.sql;
      return {
        log: sql.exec<{ frame: string }>("SELECT frame FROM events").toArray().map((r) => r.frame),
        joined: sql.exec<{ user_id: number; joined_seq: number }>("SELECT user_id, joined_seq FROM members ORDER BY user_id").toArray(),
      };
    });
    expect(stored.log.join("\n")).not.toContain("6502");
    expect(Object.fromEntries(stored.joined.map((m) => [m.user_id, m.joined_seq]))).toEqual({
      [alice.user.id]: 0,
      [bob.user.id]: 0,
      [carol.user.id]: 0,
      [dave.user.id]: added.meta.seq - 1,
    });
    expect((await replayFor(channel.id, bob, 0)).resumed.payload.recovered).toBe(true);
    expect((await replayFor(channel.id, dave, 0)).resumed.payload.recovered).toBe(false);
    tried("resume across the storage upgrade");
    observer.close();
  });
});

describe("redaction: alerts", () => {
  it("deleting a message redacts its alert snippets, also for a recipient who left the channel", async () => {
    const { alice, bob, carol, channel } = await trio();
    const bobStream = await userWs(bob.user.id, bob.wsToken);
    const msg = await post(alice.token, channel.id, `@${bob.user.id} the vault code is 8080`);
    const alert = await bobStream.event("alert.notification");
    expect(alert.payload.alert_text).toContain("8080");
    const carolStream = await userWs(carol.user.id, carol.wsToken);
    const other = await post(carol.token, channel.id, `@${bob.user.id} unrelated`);
    await bobStream.event("alert.notification");
    const carolMsg = await post(carol.token, channel.id, "carol's own words 5150");
    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: carolMsg.id, emoji_value: "🎉" }, alice.token);
    expect((await carolStream.event("alert.notification")).payload.alert_text).toContain("5150");

    await api.ok("channel.leave", { channel_id: channel.id }, bob.token);
    await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: msg.id }, alice.token);
    await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: carolMsg.id }, carol.token);

    const bobAlerts = (await api.ok("user.alerts", {}, bob.token)).alerts as Record<string, any>[];
    expect(bobAlerts.map((a) => [a.message_id, a.alert_text])).toEqual([
      [other.id, `Carol mentioned you: @${bob.user.id} unrelated`],
      [msg.id, "This message was deleted."],
    ]);
    tried("alerts of a deleted message", 2);
    const carolAlerts = (await api.ok("user.alerts", {}, carol.token)).alerts as Record<string, any>[];
    expect(carolAlerts.map((a) => [a.message_id, a.alert_text])).toEqual([[carolMsg.id, "This message was deleted."]]);
    bobStream.close();
    carolStream.close();
  });
});
