import { ROLE_OWNER, unixSeconds } from "../protocol/objects";
import { type Result, fail, ok } from "../rooms/errors";
import type { DomainTimer } from "../rooms/timers";
import type { Capability } from "./capability";
import type { LockRow } from "../storage/lockStore";
import type { Access, ChannelPort } from "./port";
import type { LockObject } from "../contracts/channelRoom";

export type { LockObject } from "../contracts/channelRoom";

export function lockObject(row: LockRow, channelId: number): LockObject {
  return {
    lock_id: row.lock_id,
    channel_id: channelId,
    user_id: row.user_id,
    path: row.path,
    expires_on_ts: unixSeconds(row.expires_on),
  };
}

const noLock = () => fail(404, "lock_not_found", "no such lock in this channel");

/** Releases every lock whose lease has run out, announcing each (`lock.release`). */
export function expireLocks(port: ChannelPort, now: number): number {
  const channel = port.store.channel();
  const expired = port.locks.expired(now);
  if (!channel || expired.length === 0) return 0;
  const frames = port.store.transaction(() =>
    expired.map((row) => {
      port.locks.remove(row.lock_id);
      return port.store.appendEvent("lock.release", lockObject(row, channel.id), now);
    }),
  );
  for (const f of frames) port.broadcast(f);
  return frames.length;
}

/** Locks as a capability of the room: the timer that expires their leases. */
export function locksCapability(port: ChannelPort): Capability {
  return { timer: () => lockTimer(() => port) };
}

export function lockTimer(port: () => ChannelPort): DomainTimer {
  return {
    next: () => port().locks.earliestExpiry(),
    run: (now) => {
      expireLocks(port(), now);
    },
  };
}

/**
 * Takes the lock on `path`. The holder taking it again refreshes the lease and keeps the same
 * lock_id (no new event); anyone else gets 409 while it is held. A user holds at most
 * MAX_LOCKS_PER_USER locks in a channel (429 until one is released or expires).
 */
export async function acquireLock(port: ChannelPort, a: Access, path: string, ttlSeconds: number): Promise<Result<LockObject>> {
  const now = port.now();
  expireLocks(port, now);
  const held = port.locks.byPath(path);
  if (held && held.user_id !== a.member.user_id) return fail(409, "lock_held", "path is locked by another user");
  if (held) {
    const row = port.locks.extend(held.lock_id, ttlSeconds, now);
    await port.armAt(row.expires_on);
    return ok(lockObject(row, a.channel.id));
  }
  const mine = port.locks.heldBy(a.member.user_id);
  if (mine.n >= port.config.maxLocksPerUser) {
    return {
      ...fail(429, "lock_quota", `you hold ${mine.n} locks in this channel already; release one or wait for one to expire`),
      retryAfter: Math.max(1, Math.ceil(((mine.first ?? now) - now) / 1000)),
    };
  }
  const { row, frame } = port.store.transaction(() => {
    const row = port.locks.insert(path, a.member.user_id, ttlSeconds, now);
    return { row, frame: port.store.appendEvent("lock.acquire", lockObject(row, a.channel.id), now) };
  });
  port.broadcast(frame);
  await port.armAt(row.expires_on);
  return ok(lockObject(row, a.channel.id));
}

/** Extends the lease (holder only); `ttlSeconds` defaults to the lock's original TTL. */
export async function refreshLock(port: ChannelPort, a: Access, lockId: number, ttlSeconds?: number): Promise<Result<LockObject>> {
  const now = port.now();
  expireLocks(port, now);
  const held = port.locks.byId(lockId);
  if (!held) return noLock();
  if (held.user_id !== a.member.user_id) return fail(403, "not_lock_holder", "only the lock's holder may refresh it");
  const row = port.locks.extend(held.lock_id, ttlSeconds ?? held.ttl_seconds, now);
  await port.armAt(row.expires_on);
  return ok(lockObject(row, a.channel.id));
}

/** Releases a lock (its holder or the channel owner) and announces it. */
export function releaseLock(port: ChannelPort, a: Access, lockId: number): Result<null> {
  const now = port.now();
  expireLocks(port, now);
  const held = port.locks.byId(lockId);
  if (!held) return noLock();
  if (held.user_id !== a.member.user_id && a.member.user_role !== ROLE_OWNER) {
    return fail(403, "not_lock_holder", "only the lock's holder or the channel owner may release it");
  }
  const frame = port.store.transaction(() => {
    port.locks.remove(held.lock_id);
    return port.store.appendEvent("lock.release", lockObject(held, a.channel.id), now);
  });
  port.broadcast(frame);
  return ok(null);
}
