import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TestUser } from "../../helpers/api";
import { range, seqsOf, resume, untilSeq } from "../../helpers/events";
import { eventually } from "../../helpers/requests";
import type { TestSocket } from "../../helpers/socket";
import { api, channelSocket, channelStub, connIdsOf, shardStub, userSocket } from "../../helpers/workerd";

// This project runs with SHARD_SOCKET_CAP=2: the channel's room holds two sockets, each shard two;
// seven sockets opened one after another make the room and three shards.

interface Client {
  user: TestUser;
  sock: TestSocket;
  ready: Record<string, any>;
}

async function connect(channelId: number, user: TestUser): Promise<Client> {
  const sock = await channelSocket(channelId);
  const ready = (await sock.auth(user.wsToken)).payload;
  return { user, sock, ready };
}

/** A channel with `n` members (owner first), each with one socket, opened one after another. */
async function crowd(n: number) {
  const users: TestUser[] = [];
  for (let i = 0; i < n; i++) users.push(await api.newUser(`U${i}`));
  const channel = await api.newChannel(users[0]!.token, users.slice(1).map((u) => u.user.id));
  const clients: Client[] = [];
  for (const u of users) clients.push(await connect(channel.id, u));
  return { channelId: channel.id as number, users, clients };
}

/** Which object holds the socket: 0 for the channel's room, k for shard k. */
async function placeOf(channelId: number, c: Client, shards = 6): Promise<number> {
  if ((await connIdsOf(channelStub(channelId))).includes(c.ready.connection_id)) return 0;
  for (let k = 1; k <= shards; k++) if ((await connIdsOf(shardStub(channelId, k))).includes(c.ready.connection_id)) return k;
  throw new Error(`socket ${c.ready.connection_id} is on no object`);
}

async function post(channelId: number, owner: TestUser, text: string): Promise<number> {
  const res = await api.ok("chat.postmessage", { channel_id: channelId, text }, owner.token);
  return res.message.id as number;
}

/** Every durable seq the socket received since its rtm.ready is exactly ready.seq+1 .. upTo, once, in order. */
async function expectExactly(c: Client, upTo: number): Promise<void> {
  await untilSeq(c.sock, upTo);
  expect(seqsOf(c.sock)).toEqual(range(c.ready.seq + 1, upTo));
}

const close = (clients: Client[]) => clients.forEach((c) => c.sock.close());

describe("fan-out shards (SHARD_SOCKET_CAP=2)", () => {
  it("eight sockets spread over the room and three shards; every socket gets every event once, in seq order", async () => {
    const { channelId, users, clients } = await crowd(8);
    const places = await Promise.all(clients.map((c) => placeOf(channelId, c)));
    expect(places.sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    const start = Math.max(...clients.map((c) => c.ready.seq));
    for (let i = 0; i < 5; i++) await post(channelId, users[i % 8]!, `m${i}`);
    const last = start + 5;
    for (const c of clients) await expectExactly(c, last);
    close(clients);
  });

  it("order and exactly-once across a shard's eviction", async () => {
    const { channelId, users, clients } = await crowd(8);
    const seq0 = clients[7]!.ready.seq;
    for (let i = 0; i < 3; i++) await post(channelId, users[0]!, `before ${i}`);
    await evictDurableObject(shardStub(channelId, 2));
    for (let i = 0; i < 3; i++) await post(channelId, users[1]!, `after ${i}`);
    const last = seq0 + 6;
    for (const c of clients) await expectExactly(c, last);
    close(clients);
  });

  it("the room's eviction: shards keep their sockets and the stream goes on", async () => {
    const { channelId, users, clients } = await crowd(7);
    await post(channelId, users[0]!, "one");
    await evictDurableObject(channelStub(channelId));
    await post(channelId, users[3]!, "two");
    await api.ok("channel.rename", { channel_id: channelId, channel_name: "renamed" }, users[0]!.token);
    const last = clients[6]!.ready.seq + 3;
    for (const c of clients) await expectExactly(c, last);
    for (const c of clients) expect(c.sock.frames.find((f) => f.event === "channel.update")?.payload.channel.channel_name).toBe("renamed");
    close(clients);
  });

  it("a shard added mid-stream: sockets that join while posts go on get everything after their rtm.ready", async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 9; i++) users.push(await api.newUser(`M${i}`));
    const channel = await api.newChannel(users[0]!.token, users.slice(1).map((u) => u.user.id));
    const channelId = channel.id as number;
    const clients: Client[] = [];
    let posted = 0;
    const posting = (async () => {
      for (; posted < 20; posted++) await post(channelId, users[posted % 3]!, `p${posted}`);
    })();
    for (const u of users) clients.push(await connect(channelId, u));
    await posting;
    await post(channelId, users[0]!, "final");
    const finalFrame = await clients[0]!.sock.next((f) => f.event === "chat.postMessage" && f.payload.message.content === "final");
    const top = finalFrame.meta.seq as number;
    // Whatever each socket's starting point, it got every later seq once and in order.
    for (const c of clients) {
      if (!seqsOf(c.sock).includes(top)) await untilSeq(c.sock, top);
      expect(seqsOf(c.sock)).toEqual(range(c.ready.seq + 1, top));
    }
    expect(new Set(await Promise.all(clients.map((c) => placeOf(channelId, c)))).size).toBe(5);
    close(clients);
  });

  it("a delivery the shard never got: the next one fills the gap from the room's log; the late retry changes nothing", async () => {
    const { channelId, users, clients } = await crowd(7);
    const onShard2 = clients[4]!;
    expect(await placeOf(channelId, onShard2)).toBe(2);
    // Shard 2 is unreachable for exactly one call.
    await runInDurableObject(channelStub(channelId), (room) => {
      const fanout = (room as unknown as { fanout: { stub(k: number): { deliver(items: unknown[]): Promise<void> }; stubs: Map<number, unknown> } }).fanout;
      const real = fanout.stub(2);
      let failed = false;
      fanout.stubs.set(2, {
        deliver: (items: unknown[]) => {
          if (!failed) {
            failed = true;
            return Promise.reject(new Error("shard unreachable"));
          }
          return real.deliver(items);
        },
      });
    });
    const start = onShard2.ready.seq;
    await post(channelId, users[0]!, "lost on the way");
    await post(channelId, users[0]!, "carries the gap");
    for (const c of clients) await expectExactly(c, start + 2);
    await new Promise((r) => setTimeout(r, 600)); // the retry of the first call (after 250 ms) lands
    for (const c of clients) expect(seqsOf(c.sock)).toEqual(range(c.ready.seq + 1, start + 2));
    close(clients);
  });

  it("a drained shard that gets a socket again starts at the room's seq, with nothing old and nothing missing", async () => {
    const { channelId, users, clients } = await crowd(7); // U2, U3 on shard 1
    clients[2]!.sock.close();
    clients[3]!.sock.close();
    await clients[3]!.sock.waitClose();
    await eventually(async () => (await connIdsOf(shardStub(channelId, 1))).length, 0);
    for (let i = 0; i < 3; i++) await post(channelId, users[0]!, `while drained ${i}`);
    const back = await connect(channelId, users[3]!);
    expect(await placeOf(channelId, back)).toBe(1);
    expect(back.ready.seq).toBe(clients[0]!.ready.seq + 3);
    await post(channelId, users[1]!, "after");
    await expectExactly(back, back.ready.seq + 1);
    close([...clients, back]);
  });

  it("a socket that reconnects onto another shard resumes exactly where it left off", async () => {
    const { channelId, users, clients } = await crowd(7);
    const moving = clients[2]!; // on shard 1
    expect(await placeOf(channelId, moving)).toBe(1);
    await post(channelId, users[0]!, "seen");
    const seen = (await untilSeq(moving.sock, moving.ready.seq + 1)).meta.seq as number;
    moving.sock.close();
    await moving.sock.waitClose();
    // Its place on shard 1 is taken, so the reconnect lands elsewhere.
    const taker = await connect(channelId, await (async () => {
      const u = await api.newUser("Taker");
      await api.ok("channel.adduser", { channel_id: channelId, user_id: u.user.id }, users[0]!.token);
      return u;
    })());
    for (let i = 0; i < 3; i++) await post(channelId, users[1]!, `missed ${i}`);
    const back = await connect(channelId, moving.user);
    expect(await placeOf(channelId, back)).not.toBe(1);
    const { replayed, resumed } = await resume(back.sock, back.ready.epoch, seen);
    const replayedSeqs = replayed.map((t) => JSON.parse(t).meta.seq as number);
    expect(resumed.payload.recovered).toBe(true);
    expect([...replayedSeqs, ...seqsOf(back.sock).filter((s) => s > back.ready.seq)]).toEqual(range(seen + 1, resumed.payload.seq));
    close([...clients, taker, back]);
  });

  it("presence across shards: online once, offline only when the last socket anywhere closes", async () => {
    const { channelId, users, clients } = await crowd(5); // U2, U3 on shard 1; U4 on shard 2
    const watcher = clients[0]!; // on the room
    const bob = users[4]!;
    // a second socket of bob, on shard 2 too; a third lands on shard 3
    const bob2 = await connect(channelId, bob);
    const bob3 = await connect(channelId, bob);
    expect(new Set([await placeOf(channelId, clients[4]!), await placeOf(channelId, bob2), await placeOf(channelId, bob3)]).size).toBe(2);
    const isBob = (f: Record<string, any>) => (f.event === "user.online" || f.event === "user.offline") && f.payload.user.id === bob.user.id;
    clients[4]!.sock.close();
    bob2.sock.close();
    await watcher.sock.nothing((f) => isBob(f) && f.event === "user.offline", 600);
    const stream = await userSocket(users[1]!.user.id);
    await stream.auth(users[1]!.wsToken);
    bob3.sock.close();
    const off = await watcher.sock.next((f) => isBob(f) && f.event === "user.offline", 5000, "bob offline");
    expect(off.payload.channel_id).toBe(channelId);
    await watcher.sock.nothing(isBob, 300);
    stream.close();
    close(clients);
  });

  it("kick across shards: the user's shard sockets get user_removed.channel, then close 4003; the others also get channel.update", async () => {
    const { channelId, users, clients } = await crowd(7);
    const target = clients[5]!; // shard 2
    expect(await placeOf(channelId, target)).toBe(2);
    await api.ok("channel.kick", { channel_id: channelId, user_id: target.user.user.id }, users[0]!.token);
    await target.sock.event("user_removed.channel");
    expect(await target.sock.waitClose()).toEqual({ code: 4003, reason: "removed from channel" });
    for (const c of clients.filter((c) => c !== target)) {
      await c.sock.event("user_removed.channel");
      await c.sock.event("channel.update");
    }
    // refused from now on, whichever object the new socket lands on
    const again = await channelSocket(channelId);
    again.send({ command: "ws_auth", auth_token: target.user.wsToken });
    expect((await again.waitClose()).code).toBe(4003);
    close(clients);
  });

  it("removal across shards: channel.remove on every socket, then 4004 everywhere; the shards keep no storage", async () => {
    const { channelId, users, clients } = await crowd(7);
    await api.ok("channel.remove", { channel_id: channelId }, users[0]!.token);
    for (const c of clients) {
      await c.sock.event("channel.remove");
      expect((await c.sock.waitClose()).code).toBe(4004);
    }
    for (const k of [1, 2, 3]) expect(await connIdsOf(shardStub(channelId, k))).toEqual([]);
  });

  it("filters on a shard socket survive the shard's hibernation", async () => {
    const { channelId, users, clients } = await crowd(7);
    const filtered = clients[4]!; // shard 2
    expect(await placeOf(channelId, filtered)).toBe(2);
    filtered.sock.send({ type: "filter", correlationId: "f", filters: [{ property: "event", value: "channel.update" }] });
    await filtered.sock.reply("f");
    await evictDurableObject(shardStub(channelId, 2));
    await post(channelId, users[0]!, "hidden");
    await api.ok("channel.rename", { channel_id: channelId, channel_name: "seen by all" }, users[0]!.token);
    const next = await filtered.sock.next((f) => f.event !== undefined && f.event !== "user.online");
    expect(next.event).toBe("channel.update");
    expect(next.payload.channel.channel_name).toBe("seen by all");
    close(clients);
  });

  it("commands on a shard socket: typing reaches the others (not the sender), a reaction is answered and broadcast once", async () => {
    const { channelId, users, clients } = await crowd(7);
    const typer = clients[3]!; // shard 1
    typer.sock.send({ command: "ws_ephemeral_typing", channel_id: channelId, correlationId: "t" });
    expect((await typer.sock.reply("t")).type).toBe("success");
    for (const c of [clients[0]!, clients[4]!]) {
      const typing = await c.sock.event("chat.userTyping");
      expect(typing.payload.user.id).toBe(typer.user.user.id);
    }
    await typer.sock.nothing((f) => f.event === "chat.userTyping", 300);
    const messageId = await post(channelId, users[0]!, "react to me");
    typer.sock.send({ command: "ws_add_reaction", channel_id: channelId, message_id: messageId, emoji_value: "👍", correlationId: "r" });
    expect((await typer.sock.reply("r")).type).toBe("success");
    const updates = (c: Client) => c.sock.frames.filter((f) => f.event === "chat.updateMessage" && f.payload.message.id === messageId);
    await eventually(async () => clients.map((c) => updates(c).length), clients.map(() => 1));
    await new Promise((r) => setTimeout(r, 200));
    expect(clients.map((c) => updates(c).length)).toEqual(clients.map(() => 1));
    close(clients);
  });
});
