import { z } from "zod";
import { Emoji, ID_PATTERN, Id } from "../protocol/ids";
import { dueOnInRange, parseDueOn } from "../channel/actions";
import { INVITES_FROM } from "../storage/directory";
import { DEFAULTS } from "../config";

/** One schema per HTTP route's parameters (docs/protocol.md#routes). Unknown fields are ignored. */

function itemSchema(item: z.ZodType) {
  const { $schema: _, ...schema } = z.toJSONSchema(item, { io: "input", unrepresentable: "any" });
  return schema;
}

/**
 * A list param: a JSON array, or a comma-separated string (form and query bodies), of `min` to
 * `max` items. `itemPattern`, the item's anchored pattern (an enum's values when not given), lets
 * the document state the string form too. `message` replaces the count's default messages.
 */
export function list<T extends z.ZodType>(item: T, max = 500, itemPattern?: string, { min = 0, message }: { min?: number; message?: string } = {}) {
  const pattern = itemPattern ?? (item instanceof z.ZodEnum ? `^(?:${item.options.map((o) => String(o).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$` : undefined);
  const one = pattern?.replace(/^\^/, "").replace(/\$$/, "");
  // The count is bounded in the string form too: at most `max` items, at least `min`.
  const items = one ? `${one}(?:\\s*,\\s*${one}){${Math.max(min - 1, 0)},${max - 1}}` : undefined;
  return z
    .preprocess(
      (v) => {
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
      },
      z
        .array(item)
        .min(min, message ?? `must name at least ${min}`)
        .max(max, message ?? `must name at most ${max}`),
    )
    .meta({
      type: ["array", "string"],
      anyOf: [
        { type: "array", items: itemSchema(item), ...(min > 0 ? { minItems: min } : {}), maxItems: max },
        {
          type: "string",
          description: "comma-separated",
          ...(items ? { pattern: min > 0 ? `^\\s*${items}\\s*$` : `^\\s*(?:${items})?\\s*$` } : min > 0 ? { pattern: "\\S" } : {}),
        },
      ],
    });
}

/** true/false/1/0/"1"/"0"/"true"/"false" (docs/protocol.md#text). */
export const Flag = z.union([
  z.boolean(),
  z.literal(1).transform(() => true),
  z.literal(0).transform(() => false),
  z.enum(["true", "1"]).transform(() => true),
  z.enum(["false", "0"]).transform(() => false),
]);

/** The address part the server accepts, for the document; the pipe below is what checks it. */
export const EMAIL_PATTERN = "^(?:[A-Za-z0-9_'+-]+\\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\\.)+[A-Za-z]{2,}$";
export const Email = z
  .string()
  .trim()
  .max(254)
  .meta({ format: "email", pattern: EMAIL_PATTERN })
  .pipe(z.email({ error: "must be a valid email address" }));
/** Trimmed, so a name of spaces alone is empty: the document says so with a pattern. */
export const Name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").meta({ pattern: "\\S" });

/**
 * The decimal numerals from 1 to `max` as an anchored regex (1–200:
 * `^(?:[1-9]\d{0,1}|1\d{2}|200)$`), so the document states a numeric range on the string form too.
 */
export function digitsUpTo(max: number): string {
  const d = String(max);
  const k = d.length;
  const parts: string[] = [];
  if (k >= 2) parts.push(k === 2 ? "[1-9]" : `[1-9]\\d{0,${k - 2}}`);
  for (let i = 0; i < k; i++) {
    const top = Number(d[i]) - 1;
    const low = i === 0 ? 1 : 0;
    if (top < low) continue;
    const rest = k - i - 1;
    parts.push(`${d.slice(0, i)}${low === top ? String(low) : `[${low}-${top}]`}${rest ? `\\d{${rest}}` : ""}`);
  }
  parts.push(d);
  return `^(?:${parts.join("|")})$`;
}

/**
 * An integer from `min` (1 or more) to `max`, as a JSON number or as digits (form and query
 * bodies). The range is checked after parsing so the error names it. With `maxIsVar` the route
 * checks the maximum against a wrangler var and `max` is that var's default, stated in the document only.
 */
export function intParam(min: number, max: number, maxIsVar = false) {
  const msg = `must be between ${min} and ${max}`;
  const range = z.number().int().min(min, maxIsVar ? `must be at least ${min}` : msg);
  return z
    .union([
      z.number().meta({ type: "integer", minimum: min, maximum: max }),
      z.string().regex(/^-?\d+$/, "must be an integer").meta({ pattern: digitsUpTo(max) }),
    ])
    .transform(Number)
    .pipe(maxIsVar ? range : range.max(max, msg));
}
const Limit = intParam(1, DEFAULTS.historyPageMax, true);

/** The rules a new password meets (sign-up and `user.password.change`). */
const NewPassword = z.string().min(8, "must be at least 8 characters").max(100, "must be at most 100 characters");

export const UserCreate = z.object({
  email: Email,
  password: NewPassword,
  name: Name,
});

/** The login name: `email`, or `user` as AirSend clients send it; blank counts as missing. */
const LoginName = z.string().meta({ pattern: "\\S" });

export const UserLogin = z
  .object({
    email: LoginName.optional(),
    user: LoginName.optional(),
    password: z.string().max(100),
    fingerprint: z.string().max(256).optional().describe("names the device in user.sessions"),
  })
  .meta({ anyOf: [{ required: ["email"] }, { required: ["user"] }] })
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
  emails: list(Email, 500, EMAIL_PATTERN).optional(),
  user_ids: list(Id, 500, ID_PATTERN).optional(),
});

export const ChannelRef = z.object({ channel_id: Id });

/** `after_id` 0 walks forward from the very first message (ids start at 1). */
const AfterCursor = z.union([z.literal(0), z.literal("0").transform(() => 0), Id]);

export const ChannelHistory = z
  .object({ channel_id: Id, before_id: Id.optional(), after_id: AfterCursor.optional(), limit: Limit.optional() })
  .refine((q) => q.before_id === undefined || q.after_id === undefined, {
    message: "before_id and after_id cannot be combined",
    path: ["after_id"],
  })
  // `properties` restates the two names so linters see them declared inside `not`.
  .meta({ not: { properties: { before_id: true, after_id: true }, required: ["before_id", "after_id"] } });

/** Message text: the byte limit is a var the route checks (413); the document states the default. */
export const Text = z
  .string()
  .min(1, "must not be empty")
  .meta({ maxLength: DEFAULTS.textLimitBytes, description: `at most ${DEFAULTS.textLimitBytes} bytes of UTF-8 (413 beyond)` });

export const ChatPost = z.object({
  channel_id: Id,
  text: Text,
  parent_message_id: Id.optional(),
});

// --- membership, channel life and profile -----------------------------------------------------

/** `channel.adduser`: exactly one of email or user_id. */
export const ChannelAddUser = z
  .object({ channel_id: Id, email: Email.optional(), user_id: Id.optional() })
  .superRefine((p, ctx) => {
    if (p.email === undefined && p.user_id === undefined) {
      ctx.addIssue({ code: "custom", path: ["user_id"], message: "email or user_id is required" });
    } else if (p.email !== undefined && p.user_id !== undefined) {
      ctx.addIssue({ code: "custom", path: ["user_id"], message: "give email or user_id, not both" });
    }
  })
  .meta({ oneOf: [{ required: ["email"] }, { required: ["user_id"] }] });

export const ChannelKick = z.object({ channel_id: Id, user_id: Id });

export const ChannelRename = z.object({ channel_id: Id, channel_name: Name });

/** `user.profile.set`: at least one of name, has_avatar. */
export const ProfileSet = z
  .object({ name: Name.optional(), has_avatar: Flag.optional() })
  .refine((p) => p.name !== undefined || p.has_avatar !== undefined, {
    message: "name or has_avatar is required",
    path: ["name"],
  })
  .meta({ anyOf: [{ required: ["name"] }, { required: ["has_avatar"] }] });

export { Emoji, Id };

/** Who may add the caller to a channel: `anyone`, or only people sharing a live channel (`shared_channels`). */
export const InvitesFrom = z.enum(INVITES_FROM, { error: `must be one of: ${INVITES_FROM.join(", ")}` });

export const SettingsSet = z.object({ invites_from: InvitesFrom });

export const SystemInfo = z.object({ rooms: Flag.optional() });

export const SystemDirectory = z.object({
  channel_ids: list(Id, 100, ID_PATTERN, { min: 1, message: "must name 1 to 100 channels" }),
  repair: Flag.optional(),
});

// --- message life -------------------------------------------------------------------------------

export const ChatUpdate = z.object({ channel_id: Id, message_id: Id, text: Text });

export const ChatDelete = z.object({ channel_id: Id, message_id: Id });

export const ChatReact = z.object({ channel_id: Id, message_id: Id, emoji_value: Emoji, remove: Flag.optional() });

export const AlertAck = z.object({ alert_id: Id });

/** The last second `due_on` accepts (9999-12-31 23:59:59 UTC): the wire's "YYYY-MM-DD HH:MM:SS" shows no later year. */
const DUE_ON_MAX_SECONDS = 253402300799;
const DUE_ON_RANGE = "must be in the years 1970 to 9999 (UTC)";
/** Years 1970 to 9999 as written, for the patterns below. */
const YEAR = "(?:19[7-9]\\d|[2-9]\\d{3})";

/**
 * The string forms `due_on` takes (see parseDueOn), each limited to the years 1970 to 9999. The
 * first leaves out Feb 29, which a pattern cannot tell; an ISO time's zone can still move it out
 * of the range (1970-01-01T00:30:00+01:00 is 1969), which the description says.
 */
const DUE_ON_FORMS = [
  {
    description: "YYYY-MM-DD HH:MM:SS, UTC",
    pattern: `^${YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)[ T](?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d$`,
  },
  { description: "ISO 8601 with a zone; the instant it names must be in the years 1970 to 9999 (UTC)", format: "date-time", pattern: `^${YEAR}-` },
  { description: "unix seconds as digits", pattern: `^(?:0|${digitsUpTo(DUE_ON_MAX_SECONDS).replace(/^\^|\$$/g, "")})$` },
];

export const ActionCreate = z.object({
  channel_id: Id,
  action_name: Name,
  action_desc: z.string().max(4096, "must be at most 4096 characters").optional(),
  action_type: intParam(1, 1000).optional(),
  due_on: z
    .union([
      // The range is checked below, so every format out of it gets the same message.
      z.number().meta({ type: "integer", minimum: 0, maximum: DUE_ON_MAX_SECONDS, description: "unix seconds" }),
      z.string().meta({ anyOf: DUE_ON_FORMS }),
    ])
    .transform((v, ctx) => {
      const ms = parseDueOn(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: 'must be "YYYY-MM-DD HH:MM:SS" (UTC), ISO 8601 or unix seconds' });
        return z.NEVER;
      }
      if (!dueOnInRange(ms)) {
        ctx.addIssue({ code: "custom", message: DUE_ON_RANGE });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description: `a time in the years 1970 to 9999 (UTC); outside them 422 "${DUE_ON_RANGE}"` })
    .optional(),
});

/** Lock TTL in seconds: 1 up to the configured maximum, which the route checks (a var). */
const Ttl = intParam(1, DEFAULTS.lockTtlMaxSeconds, true);
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
