/**
 * Membership and presence helpers shared by the integration and e2e layers.
 */
import type { Api, TestUser } from "./api";
import type { Frame, TestSocket } from "./socket";

/** Ids of the channels `channel.list` returns for the user, sorted. */
export async function listedChannelIds(api: Api, token: string): Promise<number[]> {
  const body = await api.ok("channel.list", {}, token);
  return (body.channels as { id: number }[]).map((c) => c.id).sort((a, b) => a - b);
}

/** The seed's user object as the user's login returned it, with the given presence. */
export function userAs(u: TestUser, online: boolean): Record<string, unknown> {
  return { ...u.user, online_status: online };
}

/** Presence events about `userId` (user.online / user.offline). */
export const presenceOf = (userId: number) => (f: Frame) =>
  (f.event === "user.online" || f.event === "user.offline") && f.payload?.user?.id === userId;

/** The next presence event about `userId`. */
export function nextPresence(ws: TestSocket, userId: number, timeoutMs = 5000): Promise<Frame> {
  return ws.next(presenceOf(userId), timeoutMs, `presence of ${userId}`);
}

/** Waits for a frame with the given event and returns every frame with that event seen so far after it (none expected). */
export async function onlyOne(ws: TestSocket, pred: (f: Frame) => boolean, what: string, quietMs = 300): Promise<Frame> {
  const f = await ws.next(pred, 5000, what);
  await ws.nothing(pred, quietMs);
  return f;
}
