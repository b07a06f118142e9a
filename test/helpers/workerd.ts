/**
 * Integration-layer helpers (inside workerd): the real worker entry point via SELF, sockets
 * through real upgrades, and direct handles on rooms for evictions, alarms and the room clock.
 */
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Api } from "./api";
import { type RawSocket, TestSocket } from "./socket";

export const BASE = "http://realtime.test";
export const api = new Api(BASE, (input, init) => SELF.fetch(input, init));

export async function openSocket(path: string): Promise<TestSocket> {
  const res = await SELF.fetch(`${BASE}${path}`, { headers: { Upgrade: "websocket" } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no websocket: ${res.status} ${await res.text()}`);
  ws.accept();
  return new TestSocket(ws as unknown as RawSocket);
}

export const channelSocket = (channelId: number) => openSocket(`/rtm/ws/channel/${channelId}`);
export const userSocket = (userId: number) => openSocket(`/rtm/ws/user/${userId}`);

export function channelStub(channelId: number) {
  return env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(`channel:${channelId}`));
}

export function userStub(userId: number) {
  return env.USER_ROOM.get(env.USER_ROOM.idFromName(`user:${userId}`));
}

type Stub = ReturnType<typeof channelStub> | ReturnType<typeof userStub> | ReturnType<typeof shardStub>;

/** Moves a room's clock forward (the room's timers read it) and runs its alarm. */
export async function advanceAndRunAlarm(stub: Stub, ms: number): Promise<boolean> {
  await runInDurableObject(stub, (room) => {
    (room as unknown as { clock: { advance(ms: number): void } }).clock.advance(ms);
  });
  return runDurableObjectAlarm(stub);
}

export async function alarmOf(stub: Stub): Promise<number | null> {
  return runInDurableObject(stub, (_room, state) => state.storage.getAlarm());
}

export function shardStub(channelId: number, k: number) {
  return env.CHANNEL_SHARD.get(env.CHANNEL_SHARD.idFromName(`shard:${channelId}:${k}`));
}

/** Connection ids of the open sockets an object holds (a channel's room, or one of its shards). */
export async function connIdsOf(stub: ReturnType<typeof channelStub> | ReturnType<typeof shardStub>): Promise<string[]> {
  return runInDurableObject(stub, (_obj, state) =>
    state.getWebSockets().map((ws) => (ws.deserializeAttachment() as { cid: string }).cid),
  );
}

/** SHARD_SOCKET_CAP of this test project (the integration-sharded project runs with 2). */
export const SHARD_CAP = Number((env as unknown as Record<string, string>).SHARD_SOCKET_CAP ?? 1000);

/**
 * The objects holding `sockets` sockets opened one after another on a fresh channel: its room
 * first, then shards 1, 2, ... (one room unless the project shards channels).
 */
export function channelObjects(channelId: number, sockets: number) {
  const count = Math.max(1, Math.ceil(sockets / SHARD_CAP));
  return Array.from({ length: count }, (_, i) => ({
    name: i === 0 ? `channel:${channelId}` : `shard:${channelId}:${i}`,
    stub: i === 0 ? channelStub(channelId) : shardStub(channelId, i),
  }));
}
