/**
 * Counts the hostile inputs a suite throws, by kind, and prints the tally when the file ends
 * (the suite says how many of each kind it tried).
 */
const tally = new Map<string, number>();

export function tried(kind: string, n = 1): void {
  tally.set(kind, (tally.get(kind) ?? 0) + n);
}

export function report(suite: string): void {
  const parts = [...tally.entries()].map(([k, n]) => `${k}=${n}`).join(", ");
  console.log(`[hostile] ${suite}: ${parts || "none"}`);
  tally.clear();
}
