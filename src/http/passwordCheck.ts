import { lockDurationMs } from "../auth/lockout";
import { verifyPassword } from "../auth/passwords";
import type { Directory, UserRecord } from "../storage/directory";
import { ApiError } from "./errors";

/**
 * A signed-in user proves they know the password (`user.password.change`, `user.delete`). It
 * shares the login lockout's counter for the account, so a stolen bearer token guesses no faster
 * than `user.login` allows: during a lock 429 with Retry-After, a wrong or missing password 401
 * and one more failure, a right one clears the count.
 */
export async function confirmPassword(
  dir: Directory,
  user: UserRecord,
  field: "password" | "current_password",
  password: string | undefined,
  now: number,
): Promise<void> {
  const account = user.email.toLowerCase();
  const throttle = await dir.throttle(account);
  if (throttle && throttle.locked_until > now) {
    throw new ApiError(429, "login_locked", "too many failed password checks; try again later", undefined, {
      "Retry-After": String(Math.ceil((throttle.locked_until - now) / 1000)),
    });
  }
  if (password === undefined || !(await verifyPassword(password, user.password_hash))) {
    const failures = (throttle?.failures ?? 0) + 1;
    const lock = lockDurationMs(failures);
    await dir.setThrottle(account, failures, lock ? now + lock : 0);
    const problem = password === undefined ? "is required" : "is wrong";
    throw new ApiError(401, "invalid_credentials", `${field}: ${problem}`, { [field]: problem });
  }
  if (throttle) await dir.clearThrottle(account);
}
