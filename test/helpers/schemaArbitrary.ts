import { Validator } from "@cfworker/json-schema";
import fc from "fast-check";

/**
 * fast-check arbitraries from the JSON Schemas of an OpenAPI document, and a validator over the
 * same document. The arbitraries aim at valid values; `validValues` keeps only those the schema
 * accepts, so "valid" always means what the document says, not what this generator guesses.
 */
export type Schema = Record<string, any>;

/**
 * Text from the Basic Multilingual Plane. Length limits on the server count UTF-16 code units and
 * JSON Schema counts code points; the two agree only below U+10000 (docs/protocol.md says so).
 */
const BMP = fc.oneof(
  { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 4 },
  { arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }), weight: 1 },
).map((c) => String.fromCharCode(c));

export class SchemaDocument {
  private readonly defs: Record<string, Schema>;

  constructor(doc: { components: { schemas: Record<string, Schema> } }) {
    // One self-contained bundle: component refs become $defs refs the validator resolves.
    this.defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll("#/components/schemas/", "#/$defs/"));
  }

  resolve(schema: Schema): Schema {
    let s = schema;
    while (typeof s.$ref === "string") s = this.defs[s.$ref.replace(/^#\/(components\/schemas|\$defs)\//, "")]!;
    return s;
  }

  validator(schema: Schema): (value: unknown) => string | null {
    const root = JSON.parse(JSON.stringify(schema).replaceAll("#/components/schemas/", "#/$defs/"));
    const v = new Validator({ ...root, $defs: this.defs }, "2020-12", true);
    return (value) => {
      const r = v.validate(value);
      return r.valid ? null : r.errors.map((e) => `${e.instanceLocation} ${e.error}`).join("; ");
    };
  }

  /** Values of `schema`, with `fields` naming arbitraries for properties by name (known ids). */
  arbitrary(schema: Schema, fields: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (branches && (!s.type || Array.isArray(s.type)) && !s.properties) return fc.oneof(...branches.map((b) => this.arbitrary(b, fields)));
    if (s.const !== undefined) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
    switch (Array.isArray(s.type) ? s.type[0] : s.type) {
      case "object": {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, p] of Object.entries(props)) {
          const own = this.arbitrary(p, fields);
          record[k] = fields[k] ? fc.oneof({ arbitrary: fields[k]!, weight: 9 }, { arbitrary: own, weight: 1 }) : own;
        }
        return fc.record(record, { requiredKeys: (s.required ?? []) as string[] });
      }
      case "array":
        return fc.array(s.items ? this.arbitrary(s.items, fields) : fc.constant(1), { maxLength: Math.min(3, s.maxItems ?? 3) });
      case "integer":
        return fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 2_000_000, 2_000_000) });
      case "number":
        return fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 2_000_000, 2_000_000) });
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "string":
        return this.string(s);
      default:
        // A schema that allows anything (e.g. a branch of `anyOf` with its own keywords only).
        if (branches) return fc.oneof(...branches.map((b) => this.arbitrary({ ...b, type: b.type ?? "string" }, fields)));
        return fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
    }
  }

  private string(s: Schema): fc.Arbitrary<string> {
    if (s.anyOf) return fc.oneof(...(s.anyOf as Schema[]).map((b) => this.string({ ...b, type: "string" })));
    if (s.format === "email") {
      const word = fc.stringMatching(/^[a-z0-9]{1,10}$/);
      return fc.tuple(word, word, fc.constantFrom("com", "org", "test")).map(([a, b, tld]) => `${a}@${b}.${tld}`);
    }
    if (s.format === "date-time") return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
    const maxLength = Math.min(s.maxLength ?? 40, 40);
    const minLength = s.minLength ?? 0;
    if (s.pattern) {
      const re = new RegExp(s.pattern);
      // Unanchored patterns ("\S": not blank) constrain little: draw plain text and let the filter decide.
      if (s.pattern.startsWith("^")) return fc.stringMatching(re).filter((v) => [...v].length >= minLength && [...v].length <= (s.maxLength ?? Infinity));
      return fc.string({ minLength: Math.max(minLength, 1), maxLength }).filter((v) => re.test(v));
    }
    return fc.string({ minLength, maxLength: Math.max(minLength, maxLength), unit: BMP });
  }
}
