import { findBrowser, publishChoice } from "./chromium";

/**
 * Finds the browser once, before any browser test (installing Debian's Chromium only as root on
 * Debian). When there is none, the run stops with the one line that says what to install.
 */
export async function setup() {
  const choice = await findBrowser();
  if (typeof choice === "string") {
    process.stderr.write(`${choice}\n`);
    process.exit(1);
  }
  publishChoice(choice);
}
