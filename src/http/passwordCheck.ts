import { reserveAttempt } from "../auth/lockout";
import { verifyPassword } from "../auth/passwords";
import type { Directory, UserRecord } from "../storage/directory";
import { ApiError } from "./errors";

/**
 * A signed-in user proves they know the password (`user.password.change`, `user.delete`). It
 * takes its place in the login lockout's count for the account before the password is checked
 * (`reserveAttempt`), so a stolen bearer token guesses no faster than `user.login` allows, also
 * with concurrent requests: during a lock 429 with Retry-After, a wrong or missing password 401
 * (already counted), a right one clears the count.
 */
export async function confirmPassword(
  dir: Directory,
  user: UserRecord,
  field: "password" | "current_password",
  password: string | undefined,
  now: number,
): Promise<void> {
  const account = user.email.toLowerCase();
  const attempt = await reserveAttempt(dir, account, now);
  if (!attempt.reserved) {
    throw new ApiError(429, "login_locked", "too many failed password checks; try again later", undefined, {
      "Retry-After": String(Math.ceil((attempt.lockedUntil - now) / 1000)),
    });
  }
  if (password === undefined || !(await verifyPassword(password, user.password_hash))) {
    const problem = password === undefined ? "is required" : "is wrong";
    throw new ApiError(401, "invalid_credentials", `${field}: ${problem}`, { [field]: problem });
  }
  await dir.clearThrottle(account);
}
