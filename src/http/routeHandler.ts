import type { Context } from "hono";
import type { ParamsOf, RouteName } from "./catalog";
import type { AppEnv } from "./context";

/** What a catalog route does once its caller and its parameters have passed their checks (register.ts). */
export type RouteHandler<N extends RouteName> = (c: Context<AppEnv>, params: ParamsOf<N>) => Response | Promise<Response>;

/**
 * A handler for every catalog route, by name: leaving one out, naming a route the catalog lacks, or
 * expecting other parameters than the route's schema gives, is a type error.
 */
export type RouteHandlers = { [N in RouteName]: RouteHandler<N> };
