/**
 * Where a webhook may point. Production: https only, and never a private, loopback or link-local
 * address or an internal host name (the service must not become a way into a private network).
 * Development: http and https to loopback are allowed too, so a local receiver can be tested.
 */
export type TargetCheck = { ok: true; url: string } | { ok: false; reason: string };

const INTERNAL_NAMES = [/^localhost$/, /\.localhost$/, /\.local$/, /\.internal$/, /\.lan$/, /\.home\.arpa$/];

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function isLoopback(host: string): boolean {
  const v4 = ipv4(host);
  return host === "localhost" || host === "[::1]" || (v4 !== null && v4[0] === 127);
}

function isPrivate(host: string): boolean {
  if (INTERNAL_NAMES.some((re) => re.test(host))) return true;
  const v4 = ipv4(host);
  if (v4) {
    const [a, b] = v4 as [number, number, number, number];
    return (
      a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19)) || a >= 224
    );
  }
  if (host.startsWith("[")) {
    const h = host.slice(1, -1).toLowerCase();
    // loopback, unspecified, unique-local, link-local, and IPv4-mapped addresses
    return h === "::1" || h === "::" || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("::ffff:");
  }
  // A bare number is an IPv4 address in another spelling.
  return /^(0x[0-9a-f]+|\d+)$/i.test(host);
}

export function checkTarget(raw: string, environment: string): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "must be an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry credentials" };
  const host = url.hostname.toLowerCase();
  const development = environment !== "production";
  if (development && isLoopback(host) && (url.protocol === "http:" || url.protocol === "https:")) return { ok: true, url: url.href };
  if (url.protocol !== "https:") return { ok: false, reason: "must be https (http is allowed only to loopback in development)" };
  if (isPrivate(host)) return { ok: false, reason: "must not point to a private, loopback or internal address" };
  return { ok: true, url: url.href };
}
