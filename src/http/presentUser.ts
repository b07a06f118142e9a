import type { Env } from "../env";
import { type UserObject, type UserProfile, userObject } from "../protocol/objects";
import { userRoom } from "../rooms/stubs";

/**
 * A user object as the API shows it: the directory's profile with the user room's presence, the
 * owner of both `online_status` and the last activity (a presence transition; the directory holds
 * the sign-up or login time, whichever came later).
 */
export async function presentUser(env: Env, profile: UserProfile): Promise<UserObject> {
  const presence = await userRoom(env, profile.id).presenceState();
  return userObject({ ...profile, last_active_on: Math.max(profile.last_active_on, presence.at) }, presence.online);
}
