/** A tiny listener registry; a throwing listener never breaks the socket or other listeners. */
export class Listeners<A extends unknown[]> {
  private readonly fns = new Set<(...args: A) => void>();

  add(fn: (...args: A) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  emit(...args: A): void {
    for (const fn of [...this.fns]) {
      try {
        fn(...args);
      } catch (err) {
        console.error("realtime client listener failed", err);
      }
    }
  }

  clear(): void {
    this.fns.clear();
  }
}
