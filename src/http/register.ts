import type { Context, Handler, Hono, MiddlewareHandler } from "hono";
import { NoParams, type RouteName, type RouteSpec, routes } from "./catalog";
import { requireUser } from "./auth";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { ipLimit } from "./ipLimit";
import { requireOperator } from "./operator";
import { readParams, validate } from "./params";
import type { RouteHandlers } from "./routeHandler";
import { requireServerKey } from "./serverAuth";

type Spec = RouteSpec & { name: RouteName };

/** The address limit, then the credential the route's `auth` names (docs/protocol.md#order-of-checks). */
function guards(spec: Spec): MiddlewareHandler<AppEnv>[] {
  const limit = spec.ipLimit ? [ipLimit(spec.name)] : [];
  switch (spec.auth) {
    case "none":
      return limit;
    case "bearer":
      return [...limit, requireUser];
    case "operator":
      return [...limit, requireOperator];
    case "server":
      if (!spec.scope) throw new Error(`${spec.name}: a server route names the scope its key needs`);
      return [...limit, requireServerKey(spec.scope)];
  }
}

/**
 * Then the body (400/413/415) and the parameters' own rules (422), and only then the handler, with
 * the parameters as the route's schema outputs them.
 */
function endpoint(spec: Spec, handlers: RouteHandlers): Handler<AppEnv> {
  // Each handler gets what its own route's schema outputs: the map's type ties the two together.
  const handle = handlers[spec.name] as (c: Context<AppEnv>, params: unknown) => Response | Promise<Response>;
  return async (c) => {
    const raw = await readParams(c);
    // A route without parameters ignores whatever it is sent, whatever that holds.
    const params = spec.params === NoParams ? {} : validate(spec.params, raw);
    return handle(c, params);
  };
}

/**
 * Every catalog route under /api/v1/<name>: read routes answer GET and POST; write routes POST,
 * and 405 with `Allow: POST` to GET (before any credential is asked for) and to PUT, PATCH, DELETE
 * (docs/protocol.md#methods).
 */
export function registerRoutes(app: Hono<AppEnv>, handlers: RouteHandlers): void {
  for (const spec of routes) {
    const path = `/api/v1/${spec.name}`;
    const chain = [...guards(spec), endpoint(spec, handlers)] as [Handler<AppEnv>];
    if (spec.kind === "read") {
      app.on(["GET", "POST"], path, ...chain);
      continue;
    }
    app.post(path, ...chain);
    app.on(["GET", "PUT", "PATCH", "DELETE"], path, () => {
      throw new ApiError(405, "method_not_allowed", `${spec.name} accepts POST only`, undefined, { Allow: "POST" });
    });
  }
}
