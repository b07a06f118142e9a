/** e2e helpers: real `ws` clients and global fetch against a running server. */
import WebSocket from "ws";
import { Api } from "./api";
import { type RawSocket, TestSocket } from "./socket";

export function nodeApi(base: string): Api {
  return new Api(base, (input, init) => fetch(input, init));
}

export async function connect(url: string, timeoutMs = 10_000): Promise<TestSocket> {
  const ws = new WebSocket(url);
  const socket = new TestSocket(ws as unknown as RawSocket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connect timeout: ${url}`)), timeoutMs);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return socket;
}

export function wsUrl(base: string, path: string): string {
  return base.replace(/^http/, "ws") + path;
}
