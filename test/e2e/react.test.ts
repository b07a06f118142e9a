// @vitest-environment happy-dom
/**
 * The React entry point (`@edge-realtime/client/react`) rendered into a DOM (happy-dom) against
 * the real local server (`npm start`): the hook's state shows the history, a message posted over
 * HTTP, another user typing (and the typing lapsing), presence and status; unmounting closes the
 * channel's socket.
 */
import type { Document } from "happy-dom";
import { createElement, type ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, describe, expect, inject, it } from "vitest";
import { RealtimeClient } from "../../packages/client/src/index.ts";
import { RealtimeProvider, useChannel, useRealtimeStatus, type ChannelState } from "../../packages/client/src/react.ts";
import type { Status } from "../../packages/client/src/socket.ts";
import { nodeApi } from "../helpers/node";
import { waitFor } from "../helpers/waitFor";

const base = inject("baseUrl");
const api = nodeApi(base);
const cleanup: Array<() => void> = [];
/** The environment's DOM (the project's own types are the worker's, without DOM). */
const document = (globalThis as unknown as { document: Document }).document;

afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

async function loggedIn(email: string, password: string): Promise<RealtimeClient> {
  const client = new RealtimeClient({ baseUrl: base });
  cleanup.push(() => client.close());
  await client.login(email, password);
  return client;
}

/** Renders the hooks for one channel; `seen()` is what the component rendered last. */
function mount(client: RealtimeClient, channelId: number, lingerMs = 5000) {
  let channel: ChannelState | null = null;
  let stream: Status | null = null;
  function Probe(): ReactNode {
    channel = useChannel(channelId, { typingMs: 1000 });
    stream = useRealtimeStatus();
    return createElement("ol", null, ...channel.messages.map((m) => createElement("li", { key: m.id }, String(m.content))));
  }
  const container = document.createElement("div");
  document.body.append(container);
  const root: Root = createRoot(container as unknown as Parameters<typeof createRoot>[0]);
  root.render(createElement(RealtimeProvider, { client, lingerMs }, createElement(Probe)));
  cleanup.push(() => root.unmount());
  return { root, container, seen: () => ({ channel: channel!, stream: stream! }) };
}

describe("useChannel and useRealtimeStatus", () => {
  it("show history, a message posted over HTTP, typing, presence and status", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "react-test");
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "before the view" }, alice.token);

    const client = await loggedIn(alice.email, alice.password);
    const view = mount(client, channel.id);

    await waitFor("the channel socket connected", () => view.seen().channel?.status.state === "connected");
    await waitFor("the user stream connected", () => view.seen().stream?.state === "connected");
    await waitFor("history loaded", () => view.seen().channel.messages.some((m) => m.content === "before the view"));
    const members = await waitFor("members loaded", () => view.seen().channel.presence.length === 2 && view.seen().channel.presence);
    expect(members.map((m) => m.id).sort()).toEqual([alice.user.id, bob.user.id].sort());

    const posted = await api.ok("chat.postmessage", { channel_id: channel.id, text: "hello hook" }, bob.token);
    const message = await waitFor("the posted message in the hook's state", () =>
      view.seen().channel.messages.find((m) => m.id === posted.message.id),
    );
    expect(message).toMatchObject({ content: "hello hook", user_id: bob.user.id });
    expect(view.container.textContent).toContain("hello hook");
    expect(view.seen().channel.messages.map((m) => m.id)).toEqual([...view.seen().channel.messages.map((m) => m.id)].sort((a, b) => a - b));

    // Bob connects to the channel (online) and types.
    const bobClient = await loggedIn(bob.email, bob.password);
    await bobClient.connect();
    const bobSocket = bobClient.channel(channel.id);
    await bobSocket.ready();
    await waitFor("Bob online in presence", () => view.seen().channel.presence.find((m) => m.id === bob.user.id)?.online_status);
    await bobSocket.request("ws_ephemeral_typing", { channel_id: channel.id });
    const typing = await waitFor("Bob typing in the hook's state", () => view.seen().channel.typing.find((u) => u.id === bob.user.id));
    expect(typing.display_name).toBe(bob.user.display_name);
    await waitFor("the typing entry lapsing after typingMs", () => view.seen().channel.typing.length === 0, 5000);
  });

  it("close the channel's socket after the last component using it unmounts", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "react-unmount");
    const client = await loggedIn(alice.email, alice.password);
    const view = mount(client, channel.id, 0);
    const socket = await waitFor("the channel socket", () => (view.seen().channel?.status.state === "connected" ? view.seen().channel.socket : null) ?? undefined);
    view.root.unmount();
    await waitFor("the socket closed", () => socket.state.state === "closed");
    expect(client.stream.state.state).toBe("connected");
  });
});
