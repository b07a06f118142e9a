import { ensureChromium } from "./chromium";

/** Installs Debian's Chromium once, before any browser test (apt-get; the test machine is root). */
export async function setup() {
  ensureChromium();
}
