import { describe, expect, it } from "vitest";
import { INSTALL_HINT, type LookupHost, canInstallWithApt, findChromiumPath } from "../browser/chromium";

const host = (files: string[], over: Partial<LookupHost> = {}): LookupHost => ({
  env: {},
  platform: "linux",
  home: "/home/dev",
  exists: (p) => files.includes(p),
  ...over,
});

describe("the browser test finds a browser before installing one", () => {
  it("CHROME_PATH first, whatever else is installed", () => {
    expect(findChromiumPath(host(["/usr/bin/chromium", "/opt/chrome"], { env: { CHROME_PATH: "/opt/chrome" } }))).toBe("/opt/chrome");
  });

  it("a CHROME_PATH that does not exist finds nothing rather than another browser", () => {
    expect(findChromiumPath(host(["/usr/bin/chromium"], { env: { CHROME_PATH: "/nope" } }))).toBeNull();
  });

  it("the usual Linux paths: Debian's chromium, Ubuntu's chromium-browser, Google Chrome", () => {
    expect(findChromiumPath(host(["/usr/bin/chromium"]))).toBe("/usr/bin/chromium");
    expect(findChromiumPath(host(["/usr/bin/chromium-browser"]))).toBe("/usr/bin/chromium-browser");
    expect(findChromiumPath(host(["/usr/bin/google-chrome-stable"]))).toBe("/usr/bin/google-chrome-stable");
    expect(findChromiumPath(host([]))).toBeNull();
  });

  it("the usual macOS paths, system-wide and in the user's Applications", () => {
    const chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
    expect(findChromiumPath(host([chrome], { platform: "darwin" }))).toBe(chrome);
    const own = "/Users/dev/Applications/Chromium.app/Contents/MacOS/Chromium";
    expect(findChromiumPath(host([own], { platform: "darwin", home: "/Users/dev" }))).toBe(own);
    // Linux paths are not looked at on a Mac
    expect(findChromiumPath(host(["/usr/bin/chromium"], { platform: "darwin" }))).toBeNull();
  });

  it("apt only as root on Debian", () => {
    const debian = (p: string) => p === "/etc/debian_version" || p === "/usr/bin/apt-get";
    expect(canInstallWithApt(0, debian)).toBe(true);
    expect(canInstallWithApt(1000, debian)).toBe(false);
    expect(canInstallWithApt(0, () => false)).toBe(false);
    expect(canInstallWithApt(undefined, debian)).toBe(false);
  });

  it("otherwise one line naming what to install", () => {
    expect(INSTALL_HINT).not.toContain("\n");
    expect(INSTALL_HINT).toMatch(/install Google Chrome or Chromium, or set CHROME_PATH/);
  });
});
