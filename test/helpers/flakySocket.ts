/**
 * A real WebSocket (Node's global one) that a test can make go silent: frames in both directions
 * are swallowed while the TCP connection stays up, as on a network path that dropped without a
 * FIN — the case only ping/liveness logic can detect.
 */
export function flakyWebSocket() {
  // Typed loosely: the project compiles against workers-types, whose WebSocket differs from Node's.
  const Base = globalThis.WebSocket as unknown as new (url: string, protocols?: string | string[]) => any;
  const sockets: FlakySocket[] = [];

  class FlakySocket extends Base {
    silent = false;
    private readonly wrapped = new Map<unknown, EventListener>();

    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }

    addEventListener(type: string, listener: any, options?: any): void {
      if (type !== "message" || !listener) return super.addEventListener(type, listener, options);
      const wrapped: EventListener = (ev) => {
        if (this.silent) return;
        if (typeof listener === "function") listener.call(this, ev);
        else listener.handleEvent(ev);
      };
      this.wrapped.set(listener, wrapped);
      super.addEventListener(type, wrapped, options);
    }

    removeEventListener(type: string, listener: any, options?: any): void {
      const wrapped = type === "message" ? this.wrapped.get(listener) : undefined;
      super.removeEventListener(type, wrapped ?? listener, options);
    }

    send(data: any): void {
      if (!this.silent) super.send(data);
    }
  }

  return {
    WebSocket: FlakySocket,
    sockets,
    /** silences every socket open now */
    silenceAll(): void {
      for (const s of sockets) s.silent = true;
    },
  };
}
