/**
 * The demo web app (bundled into the worker by demo/build.ts, served at /): everything goes through
 * the client package (@edge-realtime/client, packages/client). Plain DOM, no framework. This
 * module only wires the page to the rest: state.ts holds what the app knows, view.ts draws it,
 * session.ts, channelList.ts and currentChannel.ts follow the server, actions.ts does what the
 * user asks.
 */
import { acquireLock, createChannel, react, releaseLock, remove, saveEdit, send, typing } from "./actions";
import { selectChannel } from "./currentChannel";
import { $, input } from "./dom";
import { logout, onLogin, resumeSession } from "./session";
import { state } from "./state";
import { renderTyping, useControls } from "./view";

function boot(): void {
  useControls({
    selectChannel: (id) => void selectChannel(id),
    react: (m, emoji) => void react(m, emoji),
    saveEdit: (ev, m) => void saveEdit(ev, m),
    remove: (m) => void remove(m),
    releaseLock: (l) => void releaseLock(l),
  });
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void onLogin(false);
  });
  $("signup").addEventListener("click", () => void onLogin(true));
  $("logout").addEventListener("click", () => void logout());
  $("new-channel").addEventListener("submit", (ev) => void createChannel(ev));
  $("composer").addEventListener("submit", (ev) => void send(ev));
  input("text").addEventListener("input", typing);
  $("lock-form").addEventListener("submit", (ev) => void acquireLock(ev));
  setInterval(renderTyping, 1000);
  window.addEventListener("beforeunload", () => state.client?.close());
  void resumeSession();
}

boot();
