import { checkServerFrame } from "../../src/protocol/wire";

/**
 * One websocket test client for every layer: Node's `ws` (e2e) and workerd's WebSocket
 * (integration) both speak addEventListener. Every wait has a timeout; frames are buffered so
 * nothing sent before a wait is missed.
 */
export interface RawSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (ev: { code: number; reason: string }) => void): void;
}

export type Frame = Record<string, any>;

export class TestSocket {
  readonly frames: Frame[] = [];
  readonly raw: string[] = [];
  /** Frames that do not match the AsyncAPI schemas; a wait that meets one fails. */
  readonly violations: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private cursor = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: RawSocket) {
    ws.addEventListener("message", (ev) => {
      const text = typeof ev.data === "string" ? ev.data : String(ev.data);
      this.raw.push(text);
      let frame: Frame;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = { unparsable: text };
      }
      const problem = checkServerFrame(frame);
      if (problem) this.violations.push(problem);
      this.frames.push(frame);
      this.wake();
    });
    ws.addEventListener("close", (ev) => {
      this.closed = { code: ev.code, reason: ev.reason };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitForChange(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const left = deadline - Date.now();
      if (left <= 0) return resolve(false);
      const timer = setTimeout(() => resolve(false), left);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  send(obj: unknown): void {
    this.ws.send(typeof obj === "string" ? obj : JSON.stringify(obj));
  }

  /** The next unread frame matching `pred` (frames before it are skipped). */
  async next(pred: (f: Frame) => boolean = () => true, timeoutMs = 5000, what = "frame"): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.violations.length) throw new Error(`contract: ${this.violations.join(" | ")}`);
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!;
        if (pred(f)) return f;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      if (!(await this.waitForChange(deadline))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
  }

  /** The next frame whose `event` is `name`. */
  event(name: string, timeoutMs = 5000): Promise<Frame> {
    return this.next((f) => f.event === name, timeoutMs, `event ${name}`);
  }

  /** The reply (success/error) carrying `correlationId`. */
  reply(correlationId: string | number | null, timeoutMs = 5000): Promise<Frame> {
    return this.next(
      (f) => (f.type === "success" || f.type === "error") && f.correlationId === correlationId,
      timeoutMs,
      `reply ${correlationId}`,
    );
  }

  /** Resolves with the close code and reason. */
  async waitClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (!(await this.waitForChange(deadline))) throw new Error(`timed out after ${timeoutMs} ms waiting for close`);
    }
    return this.closed;
  }

  /** Asserts that no frame matching `pred` arrives within `ms`. */
  async nothing(pred: (f: Frame) => boolean = () => true, ms = 300): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!;
        if (pred(f)) throw new Error(`unexpected frame: ${JSON.stringify(f)}`);
      }
      if (!(await this.waitForChange(deadline))) return;
    }
  }

  /** Sends ws_auth and returns rtm.ready. */
  async auth(token: string): Promise<Frame> {
    this.send({ command: "ws_auth", auth_token: token });
    return this.event("rtm.ready");
  }

  close(code = 1000, reason = "bye"): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}
