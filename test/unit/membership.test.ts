import { describe, expect, it } from "vitest";
import { planRemoval, requireOwner, userRemovedPayload } from "../../src/channel/membership";
import type { MemberRow } from "../../src/storage/channelStore";
import { leaseTiming } from "../../src/user/presence";

function member(user_id: number, user_role: number, joined_on: number): MemberRow {
  return {
    user_id,
    email: `${user_id}@example.test`,
    display_name: `user ${user_id}`,
    has_avatar: 0,
    last_active_on: 0,
    user_role,
    online: 0,
    joined_on,
    joined_seq: 0,
  };
}

const owner = member(1, 100, 10);
const early = member(2, 20, 20);
const late = member(3, 20, 30);
const all = [owner, early, late];

const table: { why: string; actor: MemberRow; target: MemberRow | null; members: MemberRow[]; expected: Record<string, unknown> }[] = [
  { why: "the owner kicks a member", actor: owner, target: late, members: all, expected: { kind: "remove_member", successor: null } },
  { why: "a member may not kick", actor: early, target: late, members: all, expected: { ok: false, status: 403, code: "not_owner" } },
  { why: "a member may not kick the owner either", actor: early, target: owner, members: all, expected: { ok: false, status: 403, code: "not_owner" } },
  { why: "kicking a non-member is 404", actor: owner, target: null, members: all, expected: { ok: false, status: 404, code: "member_not_found" } },
  { why: "a member leaves", actor: late, target: late, members: all, expected: { kind: "remove_member", successor: null } },
  { why: "the owner leaves: the longest-standing member inherits", actor: owner, target: owner, members: all, expected: { kind: "remove_member", successor: early } },
  { why: "the owner leaves alone: the channel goes", actor: owner, target: owner, members: [owner], expected: { kind: "remove_channel" } },
];

describe("planRemoval", () => {
  for (const { why, actor, target, members, expected } of table) {
    it(why, () => {
      expect(planRemoval(actor, target, members)).toMatchObject(expected);
    });
  }
});

describe("membership rules", () => {
  it("only the owner passes requireOwner", () => {
    expect(requireOwner(owner, "rename the channel")).toBeNull();
    expect(requireOwner(early, "rename the channel")).toEqual({
      ok: false,
      status: 403,
      code: "not_owner",
      error: "only the channel owner may rename the channel",
    });
  });

  it("user_removed.channel carries the seed's three ids", () => {
    expect(userRemovedPayload(11010001, 91010003, 91010001)).toEqual({
      removed_user_id: 91010003,
      removed_by_user_id: 91010001,
      channel_id: 11010001,
    });
  });

  it("leases are renewed every ping interval and live two", () => {
    expect(leaseTiming(25_000)).toEqual({ renewEveryMs: 25_000, ttlMs: 50_000 });
  });
});
