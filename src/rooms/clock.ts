/**
 * The rooms' clock. Tests reach a room through `runInDurableObject` and move its clock forward to
 * drive auth deadlines, ping checks and lock expiry without waiting; production never moves it.
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** A wall-clock time from the runtime (e.g. the auto-response timestamp) on this clock. */
  fromWall(ms: number): number {
    return ms + this.offsetMs;
  }
}
