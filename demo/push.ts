/**
 * The demo's "Enable push" toggle (docs/push.md, "The demo"): registers /sw.js, subscribes with
 * the server's VAPID key and hands the subscription to `push.subscribe`; turning it off removes it
 * in the browser and on the server.
 */
type Call = (method: string, params?: Record<string, unknown>) => Promise<Record<string, any>>;

function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function setupPush(button: HTMLButtonElement, call: Call, report: (what: string, err: unknown) => void): Promise<void> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return; // no push here: no toggle
  const registration = await navigator.serviceWorker.register("/sw.js");
  const render = async () => {
    const on = (await registration.pushManager.getSubscription()) !== null;
    button.textContent = on ? "Disable push" : "Enable push";
    button.setAttribute("aria-pressed", String(on));
  };
  button.hidden = false;
  await render();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const current = await registration.pushManager.getSubscription();
      if (current) {
        await call("push.unsubscribe", { endpoint: current.endpoint }).catch(() => undefined);
        await current.unsubscribe();
      } else {
        if ((await Notification.requestPermission()) !== "granted") throw new Error("notifications are not allowed in this browser");
        const { vapid_public_key } = await call("push.vapidkey");
        const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(vapid_public_key) });
        await call("push.subscribe", sub.toJSON() as Record<string, unknown>);
      }
    } catch (err) {
      report("push", err);
    } finally {
      button.disabled = false;
      await render();
    }
  });
}
