/**
 * Signing up, logging in, picking up the session kept in sessionStorage, logging out, and what a
 * session starts: the user stream, the channel list and the first channel.
 */
import { RealtimeClient, type RtmSocket, type UserObject } from "@edge-realtime/client";
import { addChannel, loadChannels, removeChannel } from "./channelList";
import { selectChannel } from "./currentChannel";
import { $, input, toast } from "./dom";
import { setupPush } from "./push";
import { state } from "./state";
import { fail, renderChannels, renderConnection } from "./view";

const TOKEN_KEY = "edge-realtime-demo.token";

function newClient(): RealtimeClient {
  // Short backoff ceiling: a demo should come back quickly after a local server restart.
  return new RealtimeClient({ backoff: { baseMs: 300, maxMs: 5000 } });
}

export async function onLogin(signup: boolean): Promise<void> {
  const email = input("email").value.trim();
  const password = input("password").value;
  const name = input("name").value.trim() || email.split("@")[0] || "someone";
  const client = newClient();
  try {
    if (signup) await client.signup(email, password, name);
    await client.login(email, password);
  } catch (err) {
    $("auth-error").textContent = err instanceof Error ? err.message : String(err);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, client.http.token!);
  await start(client);
}

export async function resumeSession(): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return;
  const client = newClient();
  client.useAccessToken(token);
  try {
    client.user = (await client.http.call<{ user: UserObject }>("user.info")).user;
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return;
  }
  await start(client);
}

export async function logout(): Promise<void> {
  // Ends the session on the server as well, so a copy of the token is worthless from now on.
  await state.client?.http.call("user.logout").catch((err: unknown) => console.warn("user.logout", err));
  state.client?.close();
  state.client = null;
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
}

async function start(client: RealtimeClient): Promise<void> {
  state.client = client;
  state.me = client.user;
  $("auth").hidden = true;
  $("app").hidden = false;
  $("me").textContent = state.me ? `${state.me.display_name} (#${state.me.id})` : "";
  renderConnection();
  let stream: RtmSocket;
  try {
    stream = await client.connect();
  } catch (err) {
    fail("connect", err);
    return;
  }
  listen(stream);
  renderConnection();
  void setupPush($("push-toggle") as HTMLButtonElement, (method, params) => client.http.call<Record<string, any>>(method, params), fail).catch((err: unknown) => console.warn("push", err));
  await loadChannels();
  const wanted = Number(location.hash.slice(1));
  const first = state.channels.has(wanted) ? wanted : [...state.channels.keys()][0];
  if (first !== undefined) await selectChannel(first);
}

/** What the user stream's events change: the channel list, unread badges, alerts. */
function listen(stream: RtmSocket): void {
  state.streamStatus = stream.state;
  stream.onStatus((s) => {
    state.streamStatus = s;
    renderConnection();
    if (s.state === "resumed") void loadChannels(); // the user stream cannot resume: reload what it feeds
  });
  stream.on("channel.create", (p) => addChannel(p.channel));
  stream.on("channel.remove", (p) => removeChannel(p.channel_id));
  stream.on("chat.unreadCountUpdate", (p) => {
    const entry = state.channels.get(p.channel_id);
    if (entry) entry.unread = p.channel_id === state.current ? 0 : p.channel_unread_count;
    renderChannels();
  });
  stream.on("alert.notification", (p) => toast(`alert: ${p.alert_text}`));
  stream.onError((err) => console.warn("user stream", err));
}
