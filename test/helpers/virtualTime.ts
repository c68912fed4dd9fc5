/**
 * Virtual time for the send use case's Timer and Clock ports: nothing waits for real. `run`
 * drives a promise to its end, letting pending work finish, then jumping to the next timer.
 */
import type { Timer } from '../../src/app/sendReminders.js';

interface Pending {
  at: number;
  seq: number;
  resolve: () => void;
}

export class VirtualTimer implements Timer {
  now = 0;
  private pending: Pending[] = [];
  private seq = 0;
  /** Sleeps that ran to their end (not cut short by their signal). */
  wakeups = 0;

  /** @param lateness extra ms added to the n-th sleep (1-based): a busy event loop waking late */
  constructor(private readonly lateness: (n: number) => number = () => 0) {}

  monotonic(): number {
    return this.now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const entry: Pending = { at: this.now + ms + this.lateness(++this.seq), seq: this.seq, resolve };
      this.pending.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.pending = this.pending.filter((p) => p !== entry);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Runs until `promise` settles; `at` callbacks fire when virtual time reaches them. */
  async run<T>(promise: Promise<T>, at: Array<[number, () => void]> = []): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    const events = [...at].sort((a, b) => a[0] - b[0]);
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return promise;
      this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.pending[0];
      const event = events[0];
      if (event && (!next || event[0] <= next.at)) {
        events.shift();
        this.now = Math.max(this.now, event[0]);
        event[1]();
        continue;
      }
      if (!next) throw new Error('virtual time: nothing is scheduled and the promise has not settled');
      this.pending.shift();
      this.now = Math.max(this.now, next.at);
      this.wakeups++;
      next.resolve();
    }
  }
}
