/**
 * Message-life test setup (integration layer): a channel owned by Alice with Bob and Carol as
 * members, and small shorthands for posting and for sockets already authenticated.
 */
import { expect } from "vitest";
import { advanceAndRunAlarm, api, channelSocket, channelStub, userSocket } from "./workerd";

export async function trio() {
  const [alice, bob, carol] = await Promise.all([api.newUser("Alice"), api.newUser("Bob"), api.newUser("Carol")]);
  const channel = await api.newChannel(alice.token, [bob.user.id, carol.user.id]);
  return { alice, bob, carol, channel };
}

export async function post(token: string, channelId: number, text: string, extra: Record<string, unknown> = {}) {
  const body = await api.ok("chat.postmessage", { channel_id: channelId, text, ...extra }, token);
  return body.message as Record<string, any> & { id: number };
}

export async function channelWs(channelId: number, wsToken: string) {
  const ws = await channelSocket(channelId);
  await ws.auth(wsToken);
  return ws;
}

export async function userWs(userId: number, wsToken: string) {
  const ws = await userSocket(userId);
  await ws.auth(wsToken);
  return ws;
}

/** The user object shape (online_status and activity times depend on presence, not on this domain). */
export function userShape(u: { user: { id: number }; email: string }, name: string) {
  return {
    id: u.user.id,
    email: u.email,
    display_name: name,
    has_avatar: false,
    online_status: expect.any(Boolean),
    last_active_on: expect.any(String),
    last_active_on_ts: expect.any(Number),
  };
}


/**
 * Moves a channel room's clock a minute ahead and runs its alarm once, before any socket is open.
 * Every deadline the room sets afterwards lies a minute past real time, so the runtime never fires
 * the alarm on its own during the test: coalesced work happens exactly when the test runs the
 * alarm (advanceAndRunAlarm), which makes "nothing before, one event after" assertions exact.
 * Anything already pending (e.g. unread pushes for the creation's bot message) is flushed now.
 */
export async function holdAlarms(channelId: number): Promise<void> {
  await advanceAndRunAlarm(channelStub(channelId), 60_000);
}
