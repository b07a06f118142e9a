/**
 * The demo app in a real browser: two users on two pages chat, see typing (and presence where the
 * server has it), then the local server is restarted under them — every socket dies — and both
 * pages must come back by themselves (reconnecting → resumed) with nothing lost or doubled.
 * Screenshots go to test-results/browser/ (gitignored; kept as CI artifacts).
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { type TestUser, uniqueEmail } from "../helpers/api";
import { nodeApi } from "../helpers/node";
import { type RunningServer, freePort, startServer } from "../helpers/server";
import { launchChromium } from "./chromium";

// Functions passed to page.waitForFunction run in the page; the project compiles without DOM types.
declare const document: { querySelector(s: string): { textContent: string | null; getAttribute(a: string): string | null } | null; querySelectorAll(s: string): Iterable<{ textContent: string | null }> };
declare const location: { hash: string };

const SHOTS = new URL("../../test-results/browser/", import.meta.url).pathname;
const WAIT = 20_000;
/**
 * The demo runs against a server that puts each channel's second socket on a fan-out shard
 * (docs/architecture.md "Fan-out shards"): the two users chat across objects, as in a hot channel.
 */
const SHARDED = ["--var", "SHARD_SOCKET_CAP:1"];

let server: RunningServer;
let port: number;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  port = await freePort();
  // Both started in parallel: the browser's launch and wrangler's start each take seconds.
  [server, browser] = await Promise.all([startServer(port, undefined, SHARDED), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
  await page.goto(server.base, { waitUntil: "load" });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true, timeout: WAIT });
}

function connState(page: Page): Promise<string | null> {
  return page.locator("#conn").getAttribute("data-state");
}

async function waitConn(page: Page, states: string[], timeout = WAIT): Promise<string> {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.querySelector("#conn")?.getAttribute("data-state") ?? ""),
    states,
    { timeout },
  );
  return (await connState(page))!;
}

/** Texts of the user messages shown (bot messages left out), in display order. */
function shownMessages(page: Page): Promise<string[]> {
  return page.locator("#messages li:not(.bot) .content").allTextContents();
}

async function waitShown(page: Page, expected: string[], timeout = WAIT): Promise<void> {
  try {
    await page.waitForFunction(
      (want) => {
        const got = [...document.querySelectorAll("#messages li:not(.bot) .content")].map((e) => e.textContent);
        return JSON.stringify(got) === JSON.stringify(want);
      },
      expected,
      { timeout },
    );
  } catch (err) {
    throw new Error(`messages shown ${JSON.stringify(await shownMessages(page))}, expected ${JSON.stringify(expected)}: ${err}`);
  }
}

async function sendFromUi(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.click("#composer button[type=submit]");
}

describe("demo app in Chromium", () => {
  it("two users chat, see typing, survive a server restart with nothing lost", async () => {
    const api = nodeApi(server.base);
    const bob: TestUser = await api.newUser("Bob");
    const aliceEmail = uniqueEmail("alice");
    const alicePassword = "correct horse battery";

    // Alice signs up through the UI; Bob logs in through it.
    const pageA = await newPage("alice");
    await pageA.fill("#email", aliceEmail);
    await pageA.fill("#password", alicePassword);
    await pageA.fill("#name", "Alice");
    await pageA.click("#signup");
    await waitConn(pageA, ["connected"]);

    const pageB = await newPage("bob");
    await pageB.fill("#email", bob.email);
    await pageB.fill("#password", bob.password);
    await pageB.click("#login");
    await waitConn(pageB, ["connected"]);
    await shot(pageB, "01-bob-logged-in");

    // Alice creates a channel inviting Bob; it appears on Bob's page through his user stream.
    await pageA.fill("#channel-name", "browser-test");
    await pageA.fill("#channel-emails", bob.email);
    await pageA.click("#new-channel button[type=submit]");
    await pageA.waitForFunction(() => /^#\d+$/.test(location.hash), null, { timeout: WAIT });
    const channelId = Number(new URL(pageA.url()).hash.slice(1));
    const bobsEntry = pageB.locator(`#channels li[data-channel="${channelId}"] button`);
    await bobsEntry.waitFor({ timeout: WAIT });
    await bobsEntry.click();
    await pageB.waitForFunction((id) => location.hash === `#${id}`, channelId, { timeout: WAIT });
    await waitConn(pageA, ["connected"]);
    await waitConn(pageB, ["connected"]);

    // Typing: Alice types, Bob sees it.
    await pageA.fill("#text", "hel");
    await pageA.locator("#text").press("l");
    await pageB.waitForFunction(() => /Alice is typing/.test(document.querySelector("#typing")?.textContent ?? ""), null, {
      timeout: WAIT,
    });
    await shot(pageB, "02-bob-sees-typing");

    // Messages both ways.
    await sendFromUi(pageA, "hello from alice");
    await waitShown(pageB, ["hello from alice"]);
    await sendFromUi(pageB, "hi alice, bob here");
    await waitShown(pageA, ["hello from alice", "hi alice, bob here"]);
    await waitShown(pageB, ["hello from alice", "hi alice, bob here"]);

    // Presence: Bob's dot on Alice's page is green while he is connected (channel.members and
    // user.online); it turns grey when his page goes away (user.offline), checked at the end.
    const online = (uid: number, want: "yes" | "no", timeout = WAIT) =>
      pageA.waitForFunction(
        ([id, w]) => document.querySelector(`#members li[data-user="${id}"]`)?.getAttribute("data-online") === w,
        [uid, want] as const,
        { timeout },
      );
    await online(bob.user.id, "yes");
    await shot(pageA, "03-alice-chat");
    await shot(pageB, "03-bob-chat");

    // Restart the server on the same port: every socket dies; the data persists on disk.
    const alice = await api.ok("user.login", { email: aliceEmail, password: alicePassword });
    await server.stop();
    await waitConn(pageA, ["reconnecting"]);
    await waitConn(pageB, ["reconnecting"]);
    await shot(pageA, "04-alice-reconnecting");
    server = await startServer(port, undefined, SHARDED);

    // Posted the moment the server is back, most likely before the pages reconnect: they must
    // arrive by resume (or live), exactly once, in order.
    const api2 = nodeApi(server.base);
    for (const text of ["while you were away 1", "while you were away 2"]) {
      await api2.ok("chat.postmessage", { channel_id: channelId, text }, alice.token as string);
    }
    const stateA = await waitConn(pageA, ["resumed", "resynced"], 60_000);
    const stateB = await waitConn(pageB, ["resumed", "resynced"], 60_000);
    console.log(`after the restart: alice ${stateA}, bob ${stateB} — ${await pageB.locator("#conn").textContent()}`);
    const expected = ["hello from alice", "hi alice, bob here", "while you were away 1", "while you were away 2"];
    await waitShown(pageA, expected);
    await waitShown(pageB, expected);
    await shot(pageA, "05-alice-resumed");
    await shot(pageB, "05-bob-resumed");
    // The room's storage survived the restart (same epoch, log intact), so the gap was replayed.
    expect([stateA, stateB]).toEqual(["resumed", "resumed"]);

    // Live again after the resume, both ways.
    await sendFromUi(pageB, "back online");
    await waitShown(pageA, [...expected, "back online"]);

    // Reactions, edit, delete and locks: routes of the message-life issue. Where the server lacks
    // one, the page shows a toast and must not crash; where it has it, both pages show the change.
    const extras: Record<string, string> = {};
    /** Waits until `effect` holds on both pages, or the route-missing toast names `method`. */
    const outcome = async (method: string, effect: string): Promise<void> => {
      const seen = await pageA.waitForFunction(
        ([m, sel]) => {
          const toast = document.querySelector("#toast")?.textContent ?? "";
          if (toast.startsWith(`${m}: this server does not offer that route`)) return "missing";
          return document.querySelector(sel) ? "shown" : false;
        },
        [method, effect] as const,
        { timeout: WAIT },
      );
      extras[method] = String(await seen.jsonValue());
      if (extras[method] === "shown") await pageB.locator(effect).first().waitFor({ state: "attached", timeout: WAIT });
    };
    const firstId = await pageA.locator("#messages li.mine").first().getAttribute("data-id");
    const lastId = await pageA.locator("#messages li.mine").last().getAttribute("data-id");
    const first = pageA.locator(`#messages li[data-id="${firstId}"]`);
    await first.locator("button.act", { hasText: "+👍" }).click();
    await outcome("chat.reactmessage", `#messages li[data-id="${firstId}"] button.reaction`);
    await first.locator("button.act", { hasText: "edit" }).click();
    await first.locator("form.edit input").fill("hello from alice (edited)");
    await first.locator("form.edit button[type=submit]").click();
    await outcome("chat.updatemessage", `#messages li[data-id="${firstId}"] .edited`);
    await pageA.locator(`#messages li[data-id="${lastId}"] button.act`, { hasText: "delete" }).click();
    await outcome("chat.deletemessage", `#messages:not(:has(li[data-id="${lastId}"]))`);
    await pageA.locator("#locks summary").click();
    await pageA.fill("#lock-path", "/files/report.docx");
    await pageA.click("#lock-form button[type=submit]");
    await outcome("lock.acquire", "#lock-list li[data-lock]");
    console.log(`message-life routes: ${JSON.stringify(extras)}`);
    await shot(pageA, "06-alice-extras");
    await shot(pageB, "06-bob-extras");

    // Bob leaves (his page and its sockets close): Alice sees him go offline. The connections
    // the restart killed never reported their close, so the server lets their presence leases
    // lapse: offline arrives within two ping intervals (2 × 25 s, docs/membership-presence.md).
    await pageB.context().close();
    await online(bob.user.id, "no", 65_000);
    await shot(pageA, "07-alice-sees-bob-offline");
    expect(pageErrors).toEqual([]);
  });

  it("shows mentions by display name, has a favicon, and counts unread messages in the channel list", async () => {
    const api = nodeApi(server.base);
    const [alice, bob, carol] = [await api.newUser("Alice"), await api.newUser("Bob"), await api.newUser("Carol")];
    const named = (await api.ok("channel.create", { channel_name: "names", user_ids: [bob.user.id] }, alice.token)).channel;
    const other = (await api.ok("channel.create", { channel_name: "other", user_ids: [bob.user.id] }, alice.token)).channel;
    await api.ok("channel.adduser", { channel_id: named.id, user_id: carol.user.id }, alice.token);
    await api.ok("chat.postmessage", { channel_id: named.id, text: `hi [B.](user://${bob.user.id}) and @${carol.user.id}` }, alice.token);

    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const notFound: string[] = [];
    page.on("response", (res) => void (res.status() === 404 && notFound.push(res.url())));
    page.on("pageerror", (err) => pageErrors.push(`names: ${err.message}`));
    await page.goto(`${server.base}/#${named.id}`, { waitUntil: "load" });
    await page.fill("#email", bob.email);
    await page.fill("#password", bob.password);
    await page.click("#login");
    await waitConn(page, ["connected"]);
    await page.locator(`#channels li[data-channel="${named.id}"] button`).click();

    // The bot message and the user message name people, in both mention forms.
    await page.waitForFunction(() => [...document.querySelectorAll("#messages li.bot .content")].length === 2, null, { timeout: WAIT });
    expect(await page.locator("#messages li.bot .content").allTextContents()).toEqual([
      "@Alice has added @Bob to this channel",
      "@Alice has added @Carol to this channel",
    ]);
    await waitShown(page, ["hi @Bob and @Carol"]);

    // Messages in a channel Bob is not looking at show as a badge on it: the two posts and the bot
    // message that announced him, which counts as unread like any bot message (docs/message-life.md).
    for (const text of ["one", "two"]) await api.ok("chat.postmessage", { channel_id: other.id, text }, alice.token);
    await page.waitForFunction((id) => document.querySelector(`#channels li[data-channel="${id}"] .badge`)?.textContent === "3", other.id, { timeout: WAIT });
    await shot(page, "08-names-and-unread");

    // Opening it clears the badge.
    await page.locator(`#channels li[data-channel="${other.id}"] button`).click();
    await page.waitForFunction((id) => document.querySelector(`#channels li[data-channel="${id}"] .badge`) === null, other.id, { timeout: WAIT });

    expect(await page.locator('link[rel="icon"]').count()).toBe(1);
    expect(notFound).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
