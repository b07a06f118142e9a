import type { z } from "zod";
import type { UserObject } from "../protocol/objects";
import type * as wire from "../protocol/wire";

export type AlertObject = z.output<typeof wire.AlertObject>;

/** What a channel room asks a user room to store and announce. */
export interface AlertInput {
  from: UserObject[];
  message_id: number;
  alert_text: string;
  channel_id: number;
  created_on: number;
}
