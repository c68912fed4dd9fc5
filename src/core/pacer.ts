/**
 * Pacing of API requests: a token bucket for messages, with a bounded burst, whose tokens come
 * back when Twilio did not take the message (429), and a second bucket that bounds every request
 * (retries included) so that a provider answering 429 to everything is not hammered.
 *
 * Pure: the caller passes the time (monotonic milliseconds) and does the waiting.
 *
 * Guarantees, for any window of w milliseconds (start times of requests):
 * - requests whose token was not given back (every request but those answered 429)
 *   ≤ rate × w / 1000 + burst;
 * - all requests ≤ 2 × (rate × w / 1000 + burst).
 * With burst 1 (the default up to 19/s) two counted requests are never closer than 1/rate s.
 */

/** Burst allowed by default: 100 ms worth of messages, at least one. --rate 1 → 1, 500 → 50. */
export function defaultBurst(rate: number): number {
  return Math.max(1, Math.floor(rate / 10));
}

/** Tolerance for floating-point refills (a level of 0.999999999 is a whole token). */
const EPSILON = 1e-9;

/** One token taken by `take`, to be settled (counted) or refunded (not counted). */
export interface PacerTicket {
  readonly at: number;
  /** Highest level of the message bucket since the token was taken (for an exact refund). */
  peak: number;
  open: boolean;
}

class Bucket {
  level: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.level = capacity;
    this.updatedAt = now;
  }

  refill(now: number): void {
    if (now > this.updatedAt) {
      this.level = Math.min(this.capacity, this.level + (now - this.updatedAt) * this.perMs);
      this.updatedAt = now;
    }
  }

  delay(now: number): number {
    this.refill(now);
    // Whole milliseconds, rounded up (timers have no finer grain): waiting this long is enough.
    return this.level >= 1 - EPSILON ? 0 : Math.max(1, Math.ceil((1 - this.level) / this.perMs - 1e-6));
  }
}

export class Pacer {
  private readonly messages: Bucket;
  private readonly requests: Bucket;
  private readonly open = new Set<PacerTicket>();

  /**
   * @param rate messages per second (> 0)
   * @param burst tokens the message bucket holds when full (≥ 1)
   * @param now the current monotonic time in ms: the buckets start full
   */
  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    if (!(rate > 0)) throw new RangeError(`rate must be positive: ${rate}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be at least 1: ${burst}`);
    this.messages = new Bucket(burst, rate / 1000, now);
    this.requests = new Bucket(2 * burst, (2 * rate) / 1000, now);
  }

  /** Whole milliseconds to wait before `take` may be called; 0 when it may be called now. */
  delay(now: number): number {
    this.observe(now);
    return Math.max(this.messages.delay(now), this.requests.delay(now));
  }

  /** Requests that may start now (whole tokens in both buckets). */
  available(now: number): number {
    this.observe(now);
    return Math.floor(Math.min(this.messages.level, this.requests.level) + EPSILON);
  }

  /** Takes a token for a request starting now; `delay(now)` must be 0. */
  take(now: number): PacerTicket {
    if (this.delay(now) > 0) throw new Error('Pacer.take called before a token was available');
    this.messages.level -= 1;
    this.requests.level -= 1;
    const ticket: PacerTicket = { at: now, peak: this.messages.level, open: true };
    this.open.add(ticket);
    return ticket;
  }

  /** The request counted (accepted, refused, or its outcome is unknown): the token is spent. */
  settle(ticket: PacerTicket): void {
    ticket.open = false;
    this.open.delete(ticket);
  }

  /**
   * The request did not count (429: Twilio took no message): the message token comes back, as
   * if it had never been taken. If the bucket would have overflowed in the meantime, only what
   * would be there comes back, so that the counted requests alone respect rate and burst.
   * The request token is not given back.
   */
  refund(ticket: PacerTicket, now: number): void {
    if (!ticket.open) return;
    this.observe(now);
    this.settle(ticket);
    const back = Math.max(0, Math.min(1, this.messages.capacity - ticket.peak));
    this.messages.level += back;
    this.observe(now);
  }

  /** Brings the buckets to `now` and records the message level as a peak of every open ticket. */
  private observe(now: number): void {
    this.messages.refill(now);
    this.requests.refill(now);
    for (const ticket of this.open) if (this.messages.level > ticket.peak) ticket.peak = this.messages.level;
  }
}
