/**
 * A Chrome or Chromium for playwright-core (which ships no browser of its own), found before one is
 * installed: CHROME_PATH, then the usual install paths on Linux and macOS, then playwright-core's
 * own channel lookup (Chrome, Edge). Only when none is there, and only as root on Debian, is
 * Debian's Chromium installed with apt; otherwise the run stops with one line naming what to
 * install. Launched headless with flags that need no network, GPU or sandbox.
 */
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { type Browser, type LaunchOptions, chromium } from "playwright-core";

/** What the browser test launches: an executable, or a channel playwright-core resolves. */
export type BrowserChoice = { executablePath: string } | { channel: string };

const LINUX_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/opt/google/chrome/chrome",
  "/snap/bin/chromium",
  "/usr/bin/microsoft-edge",
];
const MAC_APPS = [
  "Google Chrome.app/Contents/MacOS/Google Chrome",
  "Chromium.app/Contents/MacOS/Chromium",
  "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
];
const CHANNELS = ["chrome", "msedge", "chrome-beta", "chrome-dev", "chrome-canary"];

export const INSTALL_HINT =
  "No Chrome or Chromium found for the browser test: install Google Chrome or Chromium, or set CHROME_PATH to its executable.";

export interface LookupHost {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
  exists: (path: string) => boolean;
}

const realHost = (): LookupHost => ({ env: process.env, platform: process.platform, home: homedir(), exists: existsSync });

/** CHROME_PATH (CHROMIUM_PATH is read too), then the usual install paths of the platform. */
export function findChromiumPath(host: LookupHost = realHost()): string | null {
  const given = host.env.CHROME_PATH || host.env.CHROMIUM_PATH;
  if (given) return host.exists(given) ? given : null;
  const candidates =
    host.platform === "darwin"
      ? MAC_APPS.flatMap((app) => [`/Applications/${app}`, `${host.home}/Applications/${app}`])
      : host.platform === "linux"
        ? LINUX_PATHS
        : [];
  return candidates.find((p) => host.exists(p)) ?? null;
}

/** playwright-core's channel lookup: the first channel whose browser it can find and start. */
async function findChannel(): Promise<string | null> {
  for (const channel of CHANNELS) {
    try {
      const browser = await chromium.launch({ channel, headless: true, timeout: 30_000 });
      await browser.close();
      return channel;
    } catch {
      // not installed where playwright-core looks for it
    }
  }
  return null;
}

/** apt is used only by root on Debian; everyone else is told what to install. */
export function canInstallWithApt(uid: number | undefined, exists: (path: string) => boolean = existsSync): boolean {
  return uid === 0 && exists("/etc/debian_version") && exists("/usr/bin/apt-get");
}

function installWithApt(): string {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execSync("apt-get update", { stdio: "inherit", env, timeout: 300_000 });
  execSync("apt-get install -y --no-install-recommends chromium", { stdio: "inherit", env, timeout: 600_000 });
  return "/usr/bin/chromium";
}

/**
 * The browser to launch, found (or installed) once by the global setup. A CHROME_PATH that does not
 * exist is an error of its own: the developer named a browser, and silently using another would hide it.
 */
export async function findBrowser(): Promise<BrowserChoice | string> {
  const given = process.env.CHROME_PATH || process.env.CHROMIUM_PATH;
  const path = findChromiumPath();
  if (path) return { executablePath: path };
  if (given) return `CHROME_PATH is ${given}, which does not exist: point it at a Chrome or Chromium executable.`;
  const channel = await findChannel();
  if (channel) return { channel };
  if (canInstallWithApt(process.getuid?.())) {
    const installed = installWithApt();
    if (existsSync(installed)) return { executablePath: installed };
  }
  return INSTALL_HINT;
}

/** The choice travels from the global setup to the test files in these variables. */
export function publishChoice(choice: BrowserChoice): void {
  if ("channel" in choice) process.env.BROWSER_CHANNEL = choice.channel;
  else process.env.CHROME_PATH = choice.executablePath;
}

function chosen(): Pick<LaunchOptions, "channel" | "executablePath"> {
  if (process.env.BROWSER_CHANNEL) return { channel: process.env.BROWSER_CHANNEL };
  const path = findChromiumPath();
  if (!path) throw new Error(INSTALL_HINT);
  return { executablePath: path };
}

/**
 * A headless Chromium. Playwright gives every launch a fresh temporary profile (its own
 * --user-data-dir), so nothing leaks between runs; the flags keep Chromium off the network.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    ...chosen(),
    headless: true,
    timeout: 60_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
