/**
 * A small chat view on the React entry point: one channel's messages, who is typing, who is
 * online, and the connection status. Log in first, then render:
 *
 *   const client = new RealtimeClient({ baseUrl: "https://realtime.example.com" });
 *   await client.login(email, password);
 *   createRoot(document.getElementById("root")!).render(<ChatApp client={client} channelId={11010004} />);
 */
import type { RealtimeClient } from "@edge-realtime/client";
import { RealtimeProvider, useChannel, useRealtimeClient, useRealtimeStatus } from "@edge-realtime/client/react";
import { useRef, useState } from "react";

function Channel({ id }: { id: number }) {
  const client = useRealtimeClient();
  const { messages, typing, presence, status, socket } = useChannel(id);
  const [text, setText] = useState("");
  const lastTyping = useRef(0);

  const onInput = (value: string) => {
    setText(value);
    // One typing event every 2 s at most while the user types.
    if (Date.now() - lastTyping.current > 2000) {
      lastTyping.current = Date.now();
      socket?.send("ws_ephemeral_typing", { channel_id: id });
    }
  };
  const onSend = async () => {
    if (!text.trim()) return;
    await client.http.postMessage(id, text);
    setText("");
  };

  return (
    <section>
      <header>
        {status.state}
        {presence.map((m) => (
          <span key={m.id} title={m.email}>
            {m.online_status ? "●" : "○"} {m.display_name}
          </span>
        ))}
      </header>
      <ol>
        {messages.map((m) => (
          <li key={m.id}>
            <b>{m.display_name}</b> {typeof m.content === "string" ? m.content : m.content.bot_message}
            {m.is_edited ? " (edited)" : ""}
          </li>
        ))}
      </ol>
      <p>{typing.length ? `${typing.map((u) => u.display_name).join(", ")} typing…` : ""}</p>
      <input value={text} onChange={(e) => onInput(e.target.value)} onKeyDown={(e) => e.key === "Enter" && void onSend()} />
    </section>
  );
}

function ConnectionBadge() {
  const status = useRealtimeStatus();
  return <div>{status.state === "reconnecting" ? `reconnecting… (attempt ${status.attempt})` : status.state}</div>;
}

export function ChatApp({ client, channelId }: { client: RealtimeClient; channelId: number }) {
  return (
    <RealtimeProvider client={client}>
      <ConnectionBadge />
      <Channel id={channelId} />
    </RealtimeProvider>
  );
}
