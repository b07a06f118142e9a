import { z } from "zod";
import type { Scope } from "../../server/keys";
import * as P from "../schemas";

/** One HTTP route of the catalog (src/http/catalog.ts). */
export interface RouteSpec {
  name: string;
  /** read routes accept GET and POST; write routes POST only */
  kind: "read" | "write";
  auth: "bearer" | "none" | "operator" | "server";
  /** the scope a server API key needs (auth "server") */
  scope?: Scope;
  /** counted against the client address's limit (ipLimit.ts) before anything else: routes an attacker would hammer */
  ipLimit?: true;
  summary: string;
  params: z.ZodType;
  response: z.ZodObject;
  /** A request in the seeds' shapes (the document's operation example; a test validates it). */
  example: Record<string, unknown>;
  /** Success-body fields that are not wire objects (wire objects bring their own examples). */
  exampleResponse?: Record<string, unknown>;
}

const OkMeta = z.object({ ok: z.literal(true) });
export const ok = <S extends z.ZodRawShape>(shape: S) => z.object({ meta: OkMeta, ...shape });
/** The schema of routes without parameters: register.ts reads their body (400/413/415) but validates nothing. */
export const NoParams = z.object({});
export const None = NoParams;
export const Settings = z.object({ invites_from: P.InvitesFrom }).meta({ id: "Settings", examples: [{ invites_from: "anyone" }] });

export const ErrorEnvelope = z
  .object({ meta: z.object({ ok: z.literal(false), error: z.string(), code: z.string() }) })
  .catchall(z.string().describe("422: each failing field repeated with its message"))
  .meta({ id: "Error" });

