/**
 * A session's device label, shown in `user.sessions` so a person can tell their logins apart:
 * "<browser> on <system>" read from the user agent (the raw agent, cut short, when neither is
 * recognised), followed by the client's fingerprint when it sent one.
 */
const BROWSERS: [RegExp, string][] = [
  [/Edg\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrome\/|CriOS\//, "Chrome"],
  [/Safari\//, "Safari"],
  [/^node|undici|node-fetch/i, "Node.js"],
  [/curl\//, "curl"],
];

const SYSTEMS: [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone|iPad|iOS/, "iOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

const LABEL_MAX = 120;

function pick(table: [RegExp, string][], ua: string): string | null {
  return table.find(([re]) => re.test(ua))?.[1] ?? null;
}

export function deviceLabel(userAgent: string, fingerprint: string): string {
  const ua = userAgent.trim();
  const browser = pick(BROWSERS, ua);
  const system = pick(SYSTEMS, ua);
  const base = browser && system ? `${browser} on ${system}` : (browser ?? system ?? (ua.slice(0, 60) || "Unknown device"));
  const label = fingerprint.trim() ? `${base} (${fingerprint.trim()})` : base;
  return label.slice(0, LABEL_MAX);
}
