import { log } from "../ops/log";

/**
 * Connection lifecycle work (presence fan-out, disarming) runs here, in order, without holding
 * up the connection's own frames: a ws_resume sent right after ws_auth is not kept waiting for
 * every channel of the user to hear that the user came online. A step that fails is logged and
 * does not stop the ones after it.
 */
export class Lifecycle {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly label: () => string) {}

  /** Queues `work` after every step queued so far; resolves once it has run. */
  then(work: () => Promise<void> | void): Promise<void> {
    const run = this.tail.then(work);
    this.tail = run.catch((err) => log("error", "connection lifecycle failed", { room: this.label(), err: String(err) }));
    return this.tail;
  }

  /** Resolves once every step queued so far has run. */
  settled(): Promise<void> {
    return this.tail;
  }
}
