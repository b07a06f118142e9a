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

type Stub = ReturnType<typeof channelStub> | ReturnType<typeof userStub>;

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
