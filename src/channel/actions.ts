import { formatTime } from "../protocol/objects";
import { type Result, ok } from "../rooms/errors";
import type { ActionRow } from "../storage/actionStore";
import type { Access, ChannelPort } from "./port";
import type { ActionObject, NewActionInput } from "../contracts/channelRoom";

export type { ActionObject, NewActionInput } from "../contracts/channelRoom";

export function actionObject(row: ActionRow, channelId: number): ActionObject {
  return {
    channel_id: channelId,
    action_name: row.action_name,
    action_desc: row.action_desc,
    action_type: row.action_type,
    action_status: row.action_status,
    due_on: row.due_on === null ? null : formatTime(row.due_on),
    created_on: formatTime(row.created_on),
    created_by: row.created_by,
    updated_on: row.updated_on === null ? null : formatTime(row.updated_on),
    updated_by: row.updated_by,
    id: row.id,
  };
}

/**
 * `due_on` as AirSend writes times ("YYYY-MM-DD HH:MM:SS", UTC), an ISO 8601 string, or unix
 * seconds (number or digits). Returns ms, or null when it is none of those; the range is checked
 * separately (dueOnInRange), so a well-formed time outside it gets its own message.
 */
export function parseDueOn(v: string | number): number | null {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v * 1000 : null;
  const s = v.trim();
  if (/^\d{1,12}$/.test(s)) return Number(s) * 1000;
  const airsend = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (airsend) {
    const [, y, mo, d, h, mi, se] = airsend.map(Number) as number[];
    // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
    const back = new Date(0);
    back.setUTCFullYear(y!, mo! - 1, d!);
    back.setUTCHours(h!, mi!, se!);
    // Rejects impossible dates (2019-02-31) that Date would roll over.
    if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d! || h! > 23 || mi! > 59 || se! > 59) return null;
    return back.getTime();
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** First instant after the range `due_on` accepts (years 1970-9999: what the wire's "YYYY-MM-DD" can show). */
const DUE_ON_END_MS = Date.UTC(10000, 0, 1);

export function dueOnInRange(ms: number): boolean {
  return ms >= 0 && ms < DUE_ON_END_MS;
}

export function createAction(port: ChannelPort, a: Access, input: NewActionInput): Result<{ action: ActionObject }> {
  const now = port.now();
  const { action, frame } = port.store.transaction(() => {
    const row = port.actions.insert({
      action_name: input.action_name,
      action_desc: input.action_desc ?? null,
      action_type: input.action_type ?? 1,
      due_on: input.due_on ?? null,
      created_by: a.member.user_id,
      created_on: now,
    });
    const action = actionObject(row, a.channel.id);
    return { action, frame: port.store.appendEvent("action.create", { action, channel_id: a.channel.id }, now) };
  });
  port.broadcast(frame);
  return ok({ action });
}
