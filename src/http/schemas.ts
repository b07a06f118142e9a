import { z } from "zod";
import { Emoji, Id } from "../protocol/ids";
import { dueOnInRange, parseDueOn } from "../channel/actions";
import { INVITES_FROM } from "../storage/directory";

/** One schema per HTTP route's parameters (SPEC §2, §6). Unknown fields are ignored. */

/** A list param: a JSON array, or a comma-separated string (form and query bodies). */
export function list<T extends z.ZodType>(item: T, max = 500) {
  return z.preprocess((v) => {
    if (typeof v !== "string") return v;
    const t = v.trim();
    if (t.startsWith("[")) {
      try {
        return JSON.parse(t);
      } catch {
        return v;
      }
    }
    return t === "" ? [] : t.split(",").map((s) => s.trim());
  }, z.array(item).max(max));
}

/** true/false/1/0/"1"/"0"/"true"/"false" (SPEC §6). */
export const Flag = z.union([
  z.boolean(),
  z.literal(1).transform(() => true),
  z.literal(0).transform(() => false),
  z.enum(["true", "1"]).transform(() => true),
  z.enum(["false", "0"]).transform(() => false),
]);

const Email = z.string().trim().max(254).pipe(z.email({ error: "must be a valid email address" }));
const Name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
const Limit = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(1));

/** The rules a new password meets (sign-up and `user.password.change`). */
const NewPassword = z.string().min(8, "must be at least 8 characters").max(100, "must be at most 100 characters");

export const UserCreate = z.object({
  email: Email,
  password: NewPassword,
  name: Name,
});

export const UserLogin = z
  .object({
    email: z.string().optional(),
    user: z.string().optional(),
    password: z.string().max(100),
    fingerprint: z.string().max(256).optional().describe("names the device in user.sessions"),
  })
  .transform((p, ctx) => {
    const email = (p.email ?? p.user ?? "").trim();
    if (!email) {
      ctx.addIssue({ code: "custom", path: ["email"], message: "is required" });
      return z.NEVER;
    }
    return { email, password: p.password, fingerprint: p.fingerprint };
  });

export const RtmConnect = z.object({ fingerprint: z.string().max(256).optional() });

export const ChannelCreate = z.object({
  channel_name: Name,
  emails: list(Email).optional(),
  user_ids: list(Id).optional(),
});

export const ChannelRef = z.object({ channel_id: Id });

/** `after_id` 0 walks forward from the very first message (ids start at 1). */
const AfterCursor = z.union([z.literal(0), z.literal("0").transform(() => 0), Id]);

export const ChannelHistory = z
  .object({ channel_id: Id, before_id: Id.optional(), after_id: AfterCursor.optional(), limit: Limit.optional() })
  .refine((q) => q.before_id === undefined || q.after_id === undefined, {
    message: "before_id and after_id cannot be combined",
    path: ["after_id"],
  });

export const ChatPost = z.object({
  channel_id: Id,
  text: z.string().min(1, "must not be empty"),
  parent_message_id: Id.optional(),
});

// --- membership, channel life and profile (issue 3) ---------------------------------------------

/** `channel.adduser`: exactly one of email or user_id. */
export const ChannelAddUser = z
  .object({ channel_id: Id, email: Email.optional(), user_id: Id.optional() })
  .superRefine((p, ctx) => {
    if (p.email === undefined && p.user_id === undefined) {
      ctx.addIssue({ code: "custom", path: ["user_id"], message: "email or user_id is required" });
    } else if (p.email !== undefined && p.user_id !== undefined) {
      ctx.addIssue({ code: "custom", path: ["user_id"], message: "give email or user_id, not both" });
    }
  });

export const ChannelKick = z.object({ channel_id: Id, user_id: Id });

export const ChannelRename = z.object({ channel_id: Id, channel_name: Name });

/** `user.profile.set`: at least one of name, has_avatar. */
export const ProfileSet = z
  .object({ name: Name.optional(), has_avatar: Flag.optional() })
  .refine((p) => p.name !== undefined || p.has_avatar !== undefined, {
    message: "name or has_avatar is required",
    path: ["name"],
  });

export { Emoji, Id };

/** Who may add the caller to a channel: `anyone`, or only people sharing a live channel (`shared_channels`). */
export const InvitesFrom = z.enum(INVITES_FROM, { error: `must be one of: ${INVITES_FROM.join(", ")}` });

export const SettingsSet = z.object({ invites_from: InvitesFrom });

export const SystemInfo = z.object({ rooms: Flag.optional() });

export const SystemDirectory = z.object({
  channel_ids: list(Id).refine((ids) => ids.length >= 1 && ids.length <= 100, "must name 1 to 100 channels"),
  repair: Flag.optional(),
});

// --- message life (issue 4) ---------------------------------------------------------------------

const Int = z.union([z.number(), z.string().regex(/^-?\d+$/, "must be an integer").transform(Number)]).pipe(z.number().int());

export const ChatUpdate = z.object({ channel_id: Id, message_id: Id, text: z.string().min(1, "must not be empty") });

export const ChatDelete = z.object({ channel_id: Id, message_id: Id });

export const ChatReact = z.object({ channel_id: Id, message_id: Id, emoji_value: Emoji, remove: Flag.optional() });

export const AlertAck = z.object({ alert_id: Id });

export const ActionCreate = z.object({
  channel_id: Id,
  action_name: Name,
  action_desc: z.string().max(4096, "must be at most 4096 characters").optional(),
  action_type: Int.pipe(z.number().min(1, "must be at least 1").max(1000, "must be at most 1000")).optional(),
  due_on: z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const ms = parseDueOn(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: 'must be "YYYY-MM-DD HH:MM:SS" (UTC), ISO 8601 or unix seconds' });
        return z.NEVER;
      }
      if (!dueOnInRange(ms)) {
        ctx.addIssue({ code: "custom", message: "must be in the years 1970 to 9999 (UTC)" });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
});

/** Lock TTL in seconds: 1 up to the configured maximum (the route checks the maximum: SPEC §6). */
const Ttl = Int.pipe(z.number().min(1, "must be between 1 and 3600"));
const LockPath = z.string().min(1, "must not be empty").max(1024, "must be at most 1024 characters");

export const LockAcquire = z.object({ channel_id: Id, path: LockPath, ttl_seconds: Ttl.optional() });

export const LockRefresh = z.object({ channel_id: Id, lock_id: Id, ttl_seconds: Ttl.optional() });

export const LockRelease = z.object({ channel_id: Id, lock_id: Id });

/** `user.session.revoke`: one of the caller's sessions (another user's id is 404). */
export const SessionRevoke = z.object({ session_id: Id });

/**
 * `user.password.change`: a new password breaking the rules is 422; then a wrong current password
 * is 401 and counts toward the login lockout.
 */
export const PasswordChange = z.object({ current_password: z.string().max(100), new_password: NewPassword });

/** `user.delete`: a missing or wrong password is 401. */
export const UserDelete = z.object({ password: z.string().max(100).optional() });
