import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE } from "../helpers/workerd";

/** The demo app is served by the worker itself (demo/build.ts), next to the API. */
describe("the demo app", () => {
  it("serves the page at / and /index.html, with the script and the stylesheet it links", async () => {
    for (const path of ["/", "/index.html"]) {
      const page = await SELF.fetch(`${BASE}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await page.text();
      expect(html).toContain('<script type="module" src="/app.js"></script>');
      expect(html).toContain('href="/style.css"');
    }
    const script = await SELF.fetch(`${BASE}/app.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    // The bundle carries the client library it is built on.
    expect(await script.text()).toContain("RealtimeClient");
    const css = await SELF.fetch(`${BASE}/style.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await css.text()).length).toBeGreaterThan(100);
  });

  it("revalidates with an ETag: an unchanged file is a 304 with no body", async () => {
    const first = await SELF.fetch(`${BASE}/app.js`);
    await first.arrayBuffer();
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]{16}"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const again = await SELF.fetch(`${BASE}/app.js`, { headers: { "if-none-match": `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const stale = await SELF.fetch(`${BASE}/app.js`, { headers: { "if-none-match": '"stale"' } });
    expect(stale.status).toBe(200);
    expect((await stale.text()).length).toBeGreaterThan(1000);
  });

  it("answers HEAD without a body, and other paths with the API's 404 envelope", async () => {
    const head = await SELF.fetch(`${BASE}/style.css`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await head.text()).toBe("");
    const missing = await SELF.fetch(`${BASE}/app.js.map`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ meta: { ok: false, error: "no such route", code: "not_found" } });
  });
});
