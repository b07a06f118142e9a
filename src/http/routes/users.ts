import { Hono } from "hono";
import { reserveAttempt } from "../../auth/lockout";
import { hashPassword, verifyPassword } from "../../auth/passwords";
import { signToken, signingKey } from "../../auth/tokens";
import { loadConfig } from "../../config";
import { userObject } from "../../protocol/objects";
import { userRoom } from "../../rooms/stubs";
import { Directory, profileOf } from "../../storage/directory";
import { requireUser } from "../auth";
import { ipLimit } from "../ipLimit";
import { presentUser } from "../presentUser";
import { log } from "../../ops/log";
import type { AppEnv } from "../context";
import { ApiError, success } from "../errors";
import { readParams, validate } from "../params";
import { UserCreate, UserLogin } from "../schemas";
import { readRoute, writeRoute } from "./define";
import { startSession } from "./sessions";

/** Hash compared against when the email is unknown, so both paths cost the same (no enumeration). */
let decoyHash: Promise<string> | undefined;

export function userRoutes() {
  const app = new Hono<AppEnv>();

  writeRoute(app, "user.create", ipLimit("user.create"), async (c) => {
    const p = validate(UserCreate, await readParams(c));
    const hash = await hashPassword(p.password, loadConfig(c.env).pbkdf2Iterations);
    const user = await new Directory(c.env.DB).createUser(p.email, p.name, hash, Date.now());
    if (!user) throw new ApiError(409, "email_taken", "email is already registered", { email: "is already registered" });
    try {
      await userRoom(c.env, user.id).created(user.id); // so presence never needs to ask D1 for the user's channels
    } catch (err) {
      // Not fatal: the user room reads the list from the directory once instead.
      log("warn", "user room setup failed", { user_id: user.id, err: String(err) });
    }
    return success(c, { user: userObject(profileOf(user), false) });
  });

  writeRoute(app, "user.login", ipLimit("user.login"), async (c) => {
    const { email, password, fingerprint } = validate(UserLogin, await readParams(c));
    const config = loadConfig(c.env);
    const dir = new Directory(c.env.DB);
    const account = email.toLowerCase();
    const now = Date.now();
    const attempt = await reserveAttempt(dir, account, now);
    if (!attempt.reserved) {
      const retry = Math.ceil((attempt.lockedUntil - now) / 1000);
      throw new ApiError(429, "login_locked", "too many failed logins; try again later", undefined, {
        "Retry-After": String(retry),
      });
    }
    const user = await dir.userByEmail(email);
    decoyHash ??= hashPassword("decoy-password", config.pbkdf2Iterations);
    const good = user ? await verifyPassword(password, user.password_hash) : (await verifyPassword(password, await decoyHash), false);
    // The attempt already counts as a failure (reserveAttempt): a wrong password needs no write.
    if (!user || !good) throw new ApiError(401, "invalid_credentials", "wrong email or password");
    await dir.clearThrottle(account);
    await dir.touchUser(user.id, now);
    const session = await startSession(c, user.id, fingerprint ?? "", now);
    const token = await signToken({ typ: "access", user_id: user.id, sid: session }, config.accessTokenTtlSeconds, signingKey(c.env, config));
    return success(c, { token, user: await presentUser(c.env, { ...profileOf(user), last_active_on: now }) });
  });

  readRoute(app, "user.info", requireUser, async (c) => {
    await readParams(c); // no parameters, but a malformed body is still 400/413/415 (docs/protocol.md#order-of-checks)
    const user = await new Directory(c.env.DB).userById(c.var.userId);
    if (!user) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { user: await presentUser(c.env, profileOf(user)) });
  });

  return app;
}
