/**
 * React bindings (`@edge-realtime/client/react`): a provider that shares one logged-in
 * RealtimeClient, `useChannel(id)` for a channel's messages, typing, presence and status, and
 * `useRealtimeStatus()` for the user stream. React is a peer dependency; no JSX is needed to use it.
 */
import { createContext, createElement, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { ChannelFeed, type ChannelFeedOptions, type ChannelState } from "./channelFeed.js";
import type { RealtimeClient } from "./client.js";
import type { Status } from "./socket.js";

export type { ChannelFeedOptions, ChannelState };

interface Shared {
  client: RealtimeClient;
  /** channel sockets in use by mounted hooks; the last one to unmount closes the socket */
  retain(channelId: number): () => void;
}

const Context = createContext<Shared | null>(null);

export interface RealtimeProviderProps {
  /** a client that has logged in (`login` or `useAccessToken`); the provider connects it */
  client: RealtimeClient;
  /**
   * How long a channel socket stays open after the last hook using it unmounts (default 5 s), so
   * that switching back to a channel, or React's development double mount, does not reconnect.
   */
  lingerMs?: number;
  children?: ReactNode;
}

/** Shares `client` with the hooks below it and connects it (rtm.connect and the user stream). */
export function RealtimeProvider({ client, lingerMs = 5000, children }: RealtimeProviderProps): ReactNode {
  const shared = useMemo<Shared>(() => {
    const users = new Map<number, { count: number; closing?: ReturnType<typeof setTimeout> }>();
    return {
      client,
      retain(channelId) {
        const entry = users.get(channelId) ?? { count: 0 };
        if (entry.closing) clearTimeout(entry.closing);
        entry.closing = undefined;
        entry.count++;
        users.set(channelId, entry);
        return () => {
          if (--entry.count > 0) return;
          entry.closing = setTimeout(() => {
            users.delete(channelId);
            client.leaveChannel(channelId);
          }, lingerMs);
        };
      },
    };
  }, [client, lingerMs]);
  useEffect(() => {
    // Failures show in useRealtimeStatus() and useChannel().error; a later call tries again.
    client.connect().catch(() => {});
  }, [client]);
  return createElement(Context.Provider, { value: shared }, children);
}

function useShared(hook: string): Shared {
  const shared = useContext(Context);
  if (!shared) throw new Error(`${hook} must be used inside <RealtimeProvider>`);
  return shared;
}

/** The client given to the nearest RealtimeProvider (for HTTP calls: `useRealtimeClient().http`). */
export function useRealtimeClient(): RealtimeClient {
  return useShared("useRealtimeClient").client;
}

/**
 * A channel's live state: `messages` (newest history page, then live posts, edits and deletes),
 * `typing`, `presence`, `status`, and its `socket`. The socket opens on first use and closes
 * after the last component using it unmounts.
 */
export function useChannel(channelId: number, options: ChannelFeedOptions = {}): ChannelState {
  const { client, retain } = useShared("useChannel");
  const { historyLimit, typingMs } = options;
  const feed = useMemo(() => new ChannelFeed(client, channelId, { historyLimit, typingMs }), [client, channelId, historyLimit, typingMs]);
  useEffect(() => {
    const release = retain(channelId);
    feed.start();
    return () => {
      feed.stop();
      release();
    };
  }, [feed, retain, channelId]);
  return useSyncExternalStore(feed.subscribe, feed.getSnapshot, feed.getSnapshot);
}

const CONNECTING: Status = { state: "connecting", attempt: 0 };

/** The user stream's connection status (`connecting` until the provider's connect succeeds). */
export function useRealtimeStatus(): Status {
  const { client } = useShared("useRealtimeStatus");
  const [status, setStatus] = useState<Status>(CONNECTING);
  useEffect(() => {
    let off: (() => void) | undefined;
    let live = true;
    client.connect().then(
      (stream) => {
        if (!live) return;
        setStatus(stream.state);
        off = stream.onStatus(setStatus);
      },
      (err: unknown) => {
        if (live) setStatus({ state: "closed", attempt: 0, error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      live = false;
      off?.();
    };
  }, [client]);
  return status;
}
