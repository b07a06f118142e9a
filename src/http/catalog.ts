import type { z } from "zod";
import { accountRoutes } from "./routeSpecs/accountRoutes";
import { channelRoutes } from "./routeSpecs/channelRoutes";
import { operatorRoutes } from "./routeSpecs/operatorRoutes";
import { pushRoutes } from "./routeSpecs/pushRoutes";
import type { RouteSpec } from "./routeSpecs/spec";

export { ErrorEnvelope, NoParams, type RouteSpec, Settings } from "./routeSpecs/spec";

/**
 * Every HTTP route with its parameter schema and its success body, in groups (routeSpecs/). The
 * router is built from this list (register.ts: methods, credential, parameter validation with this
 * very schema) and so is the OpenAPI document, so the two cannot drift; each route's handler is
 * looked up by its name in a map the compiler checks against this list (routeHandler.ts).
 */
const catalog = [...accountRoutes, ...channelRoutes, ...operatorRoutes, ...pushRoutes] as const;

export type RouteName = (typeof catalog)[number]["name"];

/** What a route's handler receives: its parameters as its own schema outputs them. */
export type ParamsOf<N extends RouteName> = z.output<Extract<(typeof catalog)[number], { name: N }>["params"]>;

export const routes: readonly (RouteSpec & { name: RouteName })[] = catalog;

export function routeByName(name: string): RouteSpec | undefined {
  return routes.find((r) => r.name === name);
}
