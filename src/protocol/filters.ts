/**
 * Per-connection event filters (iSymphony "filter in" semantics, docs/protocol.md#filters):
 * - `property` is a dot path into the event as sent; `type` is an alias of `event`;
 * - filters on the same property are OR-ed, groups of different properties AND-ed;
 * - an event that lacks a filtered property (or has null there) is not delivered;
 * - `"*"` matches any present non-null value, objects included;
 * - scalars compare as strings, so 11010004 matches "11010004".
 * Filters are validated and compiled once when set; `matches` is pure and allocation-free.
 */
export type FilterValue = string | number | boolean;

export interface FilterSpec {
  property: string;
  value: FilterValue;
}

interface Group {
  path: string[];
  any: boolean;
  values: Set<string>;
}

export interface Matcher {
  groups: Group[];
}

function normalizePath(property: string): string[] {
  const path = property.split(".");
  if (path.length === 1 && path[0] === "type") return ["event"];
  return path;
}

/**
 * Identical filter lists compile to one shared Matcher (never mutated once built), so a broadcast
 * can match an event once per distinct filter set instead of once per socket. Bounded: cleared
 * when full, which only costs a recompile.
 */
const interned = new Map<string, Matcher>();
const INTERNED_MAX = 1024;

/** null means "deliver everything" (no filters set, or the empty list). */
export function compileFilters(specs: readonly FilterSpec[] | null | undefined): Matcher | null {
  if (!specs || specs.length === 0) return null;
  // Values compare as strings, so 7 and "7" are the same filter; "*" is only ever the string.
  const key = JSON.stringify(specs.map((s) => [s.property, typeof s.value === "string" ? s.value : String(s.value)]));
  let matcher = interned.get(key);
  if (!matcher) {
    if (interned.size >= INTERNED_MAX) interned.clear();
    matcher = build(specs);
    interned.set(key, matcher);
  }
  return matcher;
}

function build(specs: readonly FilterSpec[]): Matcher {
  const byPath = new Map<string, Group>();
  for (const spec of specs) {
    const path = normalizePath(spec.property);
    const key = path.join("\u0000");
    let group = byPath.get(key);
    if (!group) {
      group = { path, any: false, values: new Set() };
      byPath.set(key, group);
    }
    if (spec.value === "*") group.any = true;
    else group.values.add(String(spec.value));
  }
  return { groups: [...byPath.values()] };
}

const hasOwn = Object.prototype.hasOwnProperty;

function lookup(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    // Own properties only: a filter on "__proto__" or "constructor" must not reach the prototype.
    if (node === null || typeof node !== "object" || !hasOwn.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function matches(matcher: Matcher | null, event: unknown): boolean {
  if (!matcher) return true;
  for (const group of matcher.groups) {
    const value = lookup(event, group.path);
    if (value === undefined || value === null) return false;
    if (group.any) continue;
    if (typeof value === "object") return false;
    if (!group.values.has(String(value))) return false;
  }
  return true;
}
