import type { Config } from "../config";

/**
 * The VAPID key pair (RFC 8292) the service signs push requests with. Development runs on the
 * documented pair below so local work needs no setup; production refuses it (and a missing pair),
 * like the development JWT secret: anyone can read this pair, so anyone could push as the service.
 */
export const DEV_VAPID_PUBLIC_KEY = "BEmml2tPrHV12-rGi9Zb0JmxRAK80zWmalDutVwT9T2tgKR8CKAoHkHZ8PtVzdMeYvhSBzP2GBIBiV7JQMKFhIE";
export const DEV_VAPID_PRIVATE_KEY = "AR2Yb-imuyWxwumBvkkScc211DqOMwYqQeb6LiC3dzg";
export const DEV_VAPID_SUBJECT = "mailto:push-dev@edge-realtime.invalid";

export interface VapidKeys {
  /** base64url of the uncompressed P-256 point (65 bytes): what browsers take as applicationServerKey */
  publicKey: string;
  /** base64url of the private scalar (32 bytes) */
  privateKey: string;
  /** contact for push services: a mailto: or https: URL */
  subject: string;
}

export class VapidError extends Error {}

export function vapidKeys(
  env: { VAPID_PUBLIC_KEY?: string; VAPID_PRIVATE_KEY?: string; VAPID_SUBJECT?: string },
  config: Pick<Config, "environment">,
): VapidKeys {
  const production = config.environment === "production";
  const publicKey = env.VAPID_PUBLIC_KEY || (production ? "" : DEV_VAPID_PUBLIC_KEY);
  const privateKey = env.VAPID_PRIVATE_KEY || (production ? "" : DEV_VAPID_PRIVATE_KEY);
  const subject = env.VAPID_SUBJECT || (production ? "" : DEV_VAPID_SUBJECT);
  if (!publicKey || !privateKey || !subject) {
    throw new VapidError("VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT must be set in production");
  }
  if (production && (publicKey === DEV_VAPID_PUBLIC_KEY || privateKey === DEV_VAPID_PRIVATE_KEY)) {
    throw new VapidError("refusing the development VAPID key pair in production");
  }
  if (!/^(mailto:|https:)/.test(subject)) throw new VapidError("VAPID_SUBJECT must be a mailto: or https: URL");
  return { publicKey, privateKey, subject };
}
