/**
 * Debian's Chromium for playwright-core (which ships no browser of its own): installed with apt
 * when missing, launched headless with flags that need no network, GPU or sandbox.
 */
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execSync("apt-get update", { stdio: "inherit", env, timeout: 300_000 });
  execSync("apt-get install -y --no-install-recommends chromium", { stdio: "inherit", env, timeout: 600_000 });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is missing`);
}

/**
 * A headless Chromium. Playwright gives every launch a fresh temporary profile (its own
 * --user-data-dir), so nothing leaks between runs; the flags keep Chromium off the network.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
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
