/**
 * Writes the client's view of the wire protocol (`packages/client/src/protocol.ts`) from the
 * server's own definitions: the zod schemas of every event payload, wire object and command
 * (src/protocol/wire.ts, commands.ts), the close codes and the auto-answered ping frame. The
 * package ships plain TypeScript types and two constants, so neither zod nor a line of the server
 * reaches a user's bundle, and a field the server changes shows up as a diff of that file.
 *
 *   npm run generate -w @edge-realtime/client   (test/unit/client-protocol.test.ts fails while it is stale)
 */
import { z } from "zod";
import { CloseCode } from "../../../src/protocol/closeCodes";
import { commandSchemas, FilterEntry } from "../../../src/protocol/commands";
import { AUTO_PING } from "../../../src/protocol/envelope";
import { ErrorReply, eventEnvelope, eventPayloads, SuccessReply } from "../../../src/protocol/wire";

type Json = Record<string, any>;
type Io = "input" | "output";

/** TypeScript names of the schemas the server registers with a `meta({ id })`. */
const NAMES: Record<string, string> = {
  User: "UserObject",
  Member: "MemberObject",
  Message: "MessageObject",
  ParentMessage: "ParentMessage",
  Emoticon: "Emoticon",
  Channel: "ChannelObject",
  Lock: "LockObject",
  Alert: "AlertObject",
  Action: "ActionObject",
};

function jsonSchema(schema: z.ZodType, io: Io): Json {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
}

function refName(ref: string): string {
  const id = ref.replace(/^#\/\$defs\//, "");
  const name = NAMES[id];
  if (!name) throw new Error(`schema id ${id} has no TypeScript name in NAMES`);
  return name;
}

function quoteKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

function doc(s: Json, indent: string): string {
  return typeof s.description === "string" ? `${indent}/** ${s.description.replace(/\*\//g, "*\\/")} */\n` : "";
}

/** The members of an object schema, one per line. */
function members(s: Json, indent: string): string {
  const required = new Set<string>(s.required ?? []);
  return Object.entries<Json>(s.properties ?? {})
    .map(([key, prop]) => `${doc(prop, indent)}${indent}${quoteKey(key)}${required.has(key) ? "" : "?"}: ${typeOf(prop, indent)};\n`)
    .join("");
}

/** A JSON Schema (the subset zod emits for the protocol) as a TypeScript type expression. */
function typeOf(s: Json, indent = ""): string {
  if (s.$ref) return refName(s.$ref);
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf).map((x: Json) => typeOf(x, indent)).join(" | ");
  if ("const" in s) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v: unknown) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(s.type)) return s.type.map((t: string) => typeOf({ ...s, type: t }, indent)).join(" | ");
  switch (s.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = s.items ? typeOf(s.items, indent) : "unknown";
      return /[|&]/.test(item) ? `Array<${item}>` : `${item}[]`;
    }
    case "object": {
      const body = members(s, `${indent}  `);
      return body ? `{\n${body}${indent}}` : "Record<string, never>";
    }
    case undefined:
      return "unknown";
  }
  throw new Error(`no TypeScript for JSON Schema ${JSON.stringify(s)}`);
}

/** Named object schemas met anywhere in `roots`, each printed once as an interface. */
function collectDefs(roots: Json[], into: Map<string, Json>): void {
  for (const root of roots) for (const [id, def] of Object.entries<Json>(root.$defs ?? {})) into.set(id, def);
}

function interfaceOf(name: string, s: Json): string {
  if (s.type !== "object") return `${doc(s, "")}export type ${name} = ${typeOf(s)};\n`;
  return `${doc(s, "")}export interface ${name} {\n${members(s, "  ")}}\n`;
}

/** Removes `$defs` (printed separately) so a root prints as its body. */
function body(s: Json): Json {
  const { $defs: _defs, $schema: _schema, ...rest } = s;
  return rest;
}

function mapInterface(name: string, comment: string, entries: [string, Json][]): string {
  const lines = entries.map(([key, s]) => `  ${quoteKey(key)}: ${typeOf(body(s), "  ")};\n`).join("");
  return `/** ${comment} */\nexport interface ${name} {\n${lines}}\n`;
}

export function protocolTypesSource(): string {
  const events = Object.entries(eventPayloads).map(([name, schema]) => [name, jsonSchema(schema, "output")] as [string, Json]);
  const commands = Object.entries(commandSchemas).map(([name, schema]) => {
    const s = jsonSchema(schema, "input");
    delete s.properties.correlationId; // added by the client's request(), never by the app
    s.required = (s.required ?? []).filter((k: string) => k !== "correlationId");
    return [name, s] as [string, Json];
  });
  const meta = jsonSchema(eventEnvelope("ping").shape.meta, "output");
  const replies = [jsonSchema(SuccessReply, "output"), jsonSchema(ErrorReply, "output")];
  const filter = jsonSchema(FilterEntry, "input");

  const defs = new Map<string, Json>();
  collectDefs([...events.map(([, s]) => s), ...commands.map(([, s]) => s)], defs);
  const named = [...defs.entries()].sort(([a], [b]) => a.localeCompare(b));

  const closeCodes = Object.entries(CloseCode)
    .map(([k, v]) => `  ${k}: ${v},\n`)
    .join("");

  return `/**
 * Generated by packages/client/scripts/protocol-types.ts from the server's protocol definitions
 * (src/protocol): do not edit. \`npm run generate -w @edge-realtime/client\` rewrites it.
 */

${named.map(([id, s]) => interfaceOf(refName(`#/$defs/${id}`), s)).join("\n")}
${mapInterface("EventPayloads", "The payload of every server event, by its exact `event` name (docs/protocol.md).", events)}
export type EventName = keyof EventPayloads;

${interfaceOf("EventMeta", body(meta))}
${interfaceOf("SuccessReply", body(replies[0]!))}
${interfaceOf("ErrorReply", body(replies[1]!))}
${mapInterface("CommandParamsMap", "Parameters of every client command as a client may send them (ids as numbers or strings).", commands)}
export type CommandName = keyof CommandParamsMap;

${interfaceOf("FilterSpec", body(filter))}
/** Websocket close codes the server uses (docs/protocol.md). */
export const CloseCode = {
${closeCodes}} as const;

/** The exact ping frame the server's runtime answers without waking the room. */
export const AUTO_PING = ${JSON.stringify(AUTO_PING)};
`;
}
