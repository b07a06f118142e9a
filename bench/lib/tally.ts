/**
 * Delivery accounting, kept in typed arrays so that counting 30k deliveries a second costs the
 * load generator little. Every published message has a global index `idx`, a publisher `pub`
 * and that publisher's own counter `k` (a publisher sends in order, one at a time).
 */
export class Tally {
  readonly clients: number;
  readonly capacity: number;
  readonly publishers: number;
  /** performance.now() when message idx was handed to the transport */
  readonly sendTs: Float64Array;
  /** 1 once the publish is known to have succeeded */
  readonly accepted: Uint8Array;
  /** how many sockets should receive message idx */
  readonly recipients: Int32Array;
  private readonly seen: Uint8Array;
  private readonly lastK: Int32Array;
  private readonly lastSeq: Float64Array;
  private readonly latencies: Float64Array;
  /** the slowest delivery of each message: tells a periodic stall from a slow start */
  private readonly worstByIdx: Float64Array;
  nLat = 0;
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  /** frames carrying a marker from another run, or an index we never sent */
  foreign = 0;
  firstSend = Number.POSITIVE_INFINITY;
  lastRecv = 0;
  published = 0;
  /** deliveries expected so far: the recipients of every message published successfully */
  expectedTotal = 0;

  /**
   * messages sent before this time (performance.now()) are warm-up: counted for loss, duplicates
   * and order, left out of the latency figures
   */
  readonly timedFrom: number;

  constructor(clients: number, capacity: number, publishers: number, timedFrom = Number.NEGATIVE_INFINITY) {
    this.clients = clients;
    this.timedFrom = timedFrom;
    this.capacity = capacity;
    this.publishers = publishers;
    this.sendTs = new Float64Array(capacity).fill(Number.NaN);
    this.accepted = new Uint8Array(capacity);
    this.recipients = new Int32Array(capacity);
    this.seen = new Uint8Array(clients * capacity);
    this.lastK = new Int32Array(clients * publishers).fill(-1);
    this.lastSeq = new Float64Array(clients).fill(-1);
    this.latencies = new Float64Array(clients * capacity);
    this.worstByIdx = new Float64Array(capacity);
  }

  sent(idx: number, now: number, recipients: number): void {
    this.sendTs[idx] = now;
    this.recipients[idx] = recipients;
    if (now < this.firstSend) this.firstSend = now;
  }

  accept(idx: number): void {
    if (!this.accepted[idx]) {
      this.accepted[idx] = 1;
      this.published++;
      this.expectedTotal += this.recipients[idx]!;
    }
  }

  /** One delivery of message idx to a client. `seq` is the room's seq when the event has one, else -1. */
  record(client: number, idx: number, pub: number, k: number, seq: number, now: number): void {
    if (idx < 0 || idx >= this.capacity || pub < 0 || pub >= this.publishers || Number.isNaN(this.sendTs[idx]!)) {
      this.foreign++;
      return;
    }
    const s = client * this.capacity + idx;
    if (this.seen[s]) {
      this.duplicates++;
      return;
    }
    this.seen[s] = 1;
    this.received++;
    let late = false;
    const lk = client * this.publishers + pub;
    if (k <= this.lastK[lk]!) late = true;
    else this.lastK[lk] = k;
    if (seq >= 0) {
      if (seq <= this.lastSeq[client]!) late = true;
      else this.lastSeq[client] = seq;
    }
    if (late) this.outOfOrder++;
    if (now > this.lastRecv) this.lastRecv = now;
    if (!this.timed(idx)) return;
    const latency = now - this.sendTs[idx]!;
    this.latencies[this.nLat++] = latency;
    if (latency > this.worstByIdx[idx]!) this.worstByIdx[idx] = latency;
  }

  private timed(idx: number): boolean {
    return this.sendTs[idx]! >= this.timedFrom;
  }

  expected(): number {
    let total = 0;
    for (let i = 0; i < this.capacity; i++) if (this.accepted[i]) total += this.recipients[i]!;
    return total;
  }

  /** Deliveries still missing, counted per message that was published successfully. */
  lost(): number {
    let missing = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (!this.accepted[i]) continue;
      let got = 0;
      for (let c = 0; c < this.clients; c++) got += this.seen[c * this.capacity + i]!;
      missing += Math.max(0, this.recipients[i]! - got);
    }
    return missing;
  }

  /** When message idx was sent (performance.now()). */
  sentAt(idx: number): number {
    return this.sendTs[idx]!;
  }

  /** The messages whose last delivery took longest: [idx, ms], slowest first. */
  slowest(count = 5): [number, number][] {
    return [...this.worstByIdx.entries()]
      .filter(([idx]) => this.timed(idx) && this.accepted[idx])
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([idx, ms]) => [idx, Math.round(ms * 10) / 10]);
  }

  percentiles(): { p50: number; p90: number; p99: number; max: number; mean: number } {
    const lat = this.latencies.subarray(0, this.nLat).slice().sort();
    const at = (q: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]! : Number.NaN);
    let sum = 0;
    for (const v of lat) sum += v;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: lat.length ? lat[lat.length - 1]! : Number.NaN, mean: lat.length ? sum / lat.length : Number.NaN };
  }
}
