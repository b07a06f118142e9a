/**
 * Text must be valid Unicode. A string with an unpaired UTF-16 surrogate cannot be stored as
 * UTF-8: SQLite and the runtime would turn it into U+FFFD, so two different inputs (two lock paths,
 * say) would become one stored value and nothing would come back byte for byte. Such input is
 * refused where it enters: 422 naming the field (HTTP), an error reply (websocket commands).
 */

// With the `u` flag a well-formed pair is one code point, so this matches only unpaired surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export const LONE_SURROGATE_MESSAGE = "must be valid Unicode text (unpaired surrogate)";

/** The path of the first string inside `value` (keys and elements, any depth) with an unpaired surrogate; null when none. */
export function loneSurrogatePath(value: unknown, path: readonly (string | number)[] = []): (string | number)[] | null {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? [...path] : null;
  if (value === null || typeof value !== "object") return null;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, v] of entries) {
    if (typeof key === "string" && LONE_SURROGATE.test(key)) return [...path, key];
    const found = loneSurrogatePath(v, [...path, key]);
    if (found) return found;
  }
  return null;
}
