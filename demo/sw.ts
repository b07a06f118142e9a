/**
 * The demo's service worker (served as /sw.js): shows each Web Push as a notification, one per
 * channel (a newer push replaces the older), and on click focuses the app or opens it at the
 * channel (docs/push.md, "The demo"). Typed locally: the demo's tsconfig has the DOM library, not
 * the worker one.
 */
import type { PushPayload } from "../src/contracts/push";

interface WaitUntil {
  waitUntil(p: Promise<unknown>): void;
}
interface ClientWindow {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface SwScope {
  addEventListener(type: "push", fn: (e: WaitUntil & { data: { json(): unknown } | null }) => void): void;
  addEventListener(type: "notificationclick", fn: (e: WaitUntil & { notification: { data: unknown; close(): void } }) => void): void;
  registration: { showNotification(title: string, options: Record<string, unknown>): Promise<void> };
  clients: { matchAll(o: { type: "window"; includeUncontrolled: boolean }): Promise<ClientWindow[]>; openWindow(url: string): Promise<unknown> };
  location: { origin: string };
}

const sw = self as unknown as SwScope;

sw.addEventListener("push", (event) => {
  const p = (event.data?.json() ?? null) as PushPayload | null;
  if (!p) return;
  event.waitUntil(
    sw.registration.showNotification(p.title, {
      body: p.unread_count > 0 ? `${p.body} (${p.unread_count} unread)` : p.body,
      tag: `channel-${p.channel_id}`,
      renotify: true,
      data: { channel_id: p.channel_id },
    }),
  );
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const channelId = (event.notification.data as { channel_id?: number } | null)?.channel_id;
  const url = `${sw.location.origin}/${channelId ? `#${channelId}` : ""}`;
  event.waitUntil(
    (async () => {
      const open = (await sw.clients.matchAll({ type: "window", includeUncontrolled: true })).find((c) => c.url.startsWith(sw.location.origin));
      if (!open) return sw.clients.openWindow(url);
      await open.navigate(url);
      return open.focus();
    })(),
  );
});

export {};
