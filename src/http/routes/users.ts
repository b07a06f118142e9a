import { reserveAttempt } from "../../auth/lockout";
import { hashPassword, verifyPassword } from "../../auth/passwords";
import { signToken, signingKey } from "../../auth/tokens";
import { userObject } from "../../protocol/objects";
import { userRoom } from "../../rooms/stubs";
import { Directory, profileOf } from "../../storage/directory";
import { presentUser } from "../presentUser";
import { log } from "../../ops/log";
import { ApiError, success } from "../errors";
import type { RouteHandlers } from "../routeHandler";
import { startSession } from "./sessions";

/** Hash compared against when the email is unknown, so both paths cost the same (no enumeration). */
let decoyHash: Promise<string> | undefined;

export const userHandlers = {
  "user.create": async (c, p) => {
    const hash = await hashPassword(p.password, c.get("config").pbkdf2Iterations);
    const user = await new Directory(c.env.DB).createUser(p.email, p.name, hash, Date.now());
    if (!user) throw new ApiError(409, "email_taken", "email is already registered", { email: "is already registered" });
    try {
      await userRoom(c.env, user.id).created(); // so presence never needs to ask D1 for the user's channels
    } catch (err) {
      // Not fatal: the user room reads the list from the directory once instead.
      log("warn", "user room setup failed", { user_id: user.id, err: String(err) });
    }
    return success(c, { user: userObject(profileOf(user), false) });
  },

  "user.login": async (c, { email, password, fingerprint }) => {
    const config = c.get("config");
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
  },

  "user.info": async (c) => {
    const user = await new Directory(c.env.DB).userById(c.get("userId"));
    if (!user) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { user: await presentUser(c.env, profileOf(user)) });
  },
} satisfies Partial<RouteHandlers>;
