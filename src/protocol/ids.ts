import { z } from "zod";

/**
 * Ids travel as numbers but clients may send them as strings ("11010004"); they are normalized
 * here, once, and are plain numbers everywhere past the decoder.
 */
export const ID_PATTERN = "^[1-9][0-9]{0,14}$";
const ID_RE = new RegExp(ID_PATTERN);

export const Id = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(ID_RE, "must be a positive integer")
    .transform(Number),
]);

/** Parses a path segment id (websocket URL); null when it is not a positive integer. */
export function parseId(raw: string | undefined): number | null {
  if (!raw || !ID_RE.test(raw)) return null;
  return Number(raw);
}

/** 1–32 Unicode code points: "U 1F600" or a literal emoji; no whitelist. */
export const Emoji = z
  .string()
  .refine((s) => {
    const n = [...s].length;
    return n >= 1 && n <= 32;
  }, "must be 1 to 32 characters")
  .meta({ minLength: 1, maxLength: 32 });
