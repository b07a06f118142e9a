import { z } from "zod";

/**
 * Ids travel as numbers but clients may send them as strings ("11010004"); they are normalized
 * here, once, and are plain numbers everywhere past the decoder.
 */
export const Id = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, "must be a positive integer")
    .transform(Number),
]);

/** Parses a path segment id (websocket URL); null when it is not a positive integer. */
export function parseId(raw: string | undefined): number | null {
  if (!raw || !/^[1-9][0-9]{0,14}$/.test(raw)) return null;
  return Number(raw);
}

/** 1–32 Unicode code points: "U 1F600" or a literal emoji; no whitelist (SPEC §6). */
export const Emoji = z
  .string()
  .refine((s) => {
    const n = [...s].length;
    return n >= 1 && n <= 32;
  }, "must be 1 to 32 characters");
