import { describe, expect, it } from 'vitest';
import { defaultBurst, Pacer, type PacerTicket } from '../../src/core/pacer.js';

/** A small deterministic PRNG (mulberry32) so that the randomized runs are the same every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Most start times that fall in any closed window of `windowMs`, for every window length. */
function worstExcess(times: number[], rate: number): number {
  // max over i ≤ j of (j - i + 1) - rate × (t_j - t_i) / 1000: the burst a sequence needs.
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) worst = Math.max(worst, j - i + 1 - (rate * (sorted[j]! - sorted[i]!)) / 1000);
  }
  return worst;
}

/**
 * A greedy sender: takes a token whenever one is available (at most `concurrency` open), each
 * request answered after a random latency, 429 with probability `p429`; stalls now and then.
 */
function simulate(rate: number, burst: number, options: { p429: number; seed: number; durationMs: number; concurrency: number }) {
  const rnd = random(options.seed);
  const pacer = new Pacer(rate, burst, 0);
  const counted: number[] = [];
  const all: number[] = [];
  const open: Array<{ ticket: PacerTicket; answerAt: number; limited: boolean }> = [];
  let now = 0;
  while (now < options.durationMs) {
    // answers due now
    for (const o of open.filter((x) => x.answerAt <= now)) {
      if (o.limited) pacer.refund(o.ticket, now);
      else {
        pacer.settle(o.ticket);
        counted.push(o.ticket.at);
      }
      open.splice(open.indexOf(o), 1);
    }
    while (open.length < options.concurrency && pacer.delay(now) === 0) {
      const ticket = pacer.take(now);
      all.push(now);
      open.push({ ticket, answerAt: now + 1 + Math.floor(rnd() * 40), limited: rnd() < options.p429 });
    }
    // the next event: a token, an answer, or a stall (the sender was late)
    const nextAnswer = Math.min(...open.map((o) => o.answerAt), Infinity);
    const nextToken = open.length < options.concurrency ? now + Math.max(0.5, pacer.delay(now)) : Infinity;
    const stall = rnd() < 0.02 ? Math.floor(rnd() * 300) : 0;
    now = Math.min(nextAnswer, nextToken) + stall;
  }
  return { counted, all };
}

describe('pacer (token bucket with a bounded burst)', () => {
  it('allows 100 ms of messages as burst, at least one: --rate 1 never sends two within a second', () => {
    expect([1, 5, 19, 20, 500].map(defaultBurst)).toEqual([1, 1, 1, 2, 50]);
    const pacer = new Pacer(1, defaultBurst(1), 0);
    expect(pacer.delay(0)).toBe(0);
    pacer.settle(pacer.take(0));
    expect(pacer.delay(0)).toBe(1000);
    expect(pacer.delay(999)).toBe(1);
    expect(() => pacer.take(999)).toThrow(/before a token/);
    // a long pause does not store more than the burst
    pacer.settle(pacer.take(60_000));
    expect(pacer.delay(60_000)).toBe(1000);
  });

  it('gives back the token of a request answered 429, as if it had never been taken', () => {
    const pacer = new Pacer(1, 1, 0);
    const limited = pacer.take(0);
    expect(pacer.delay(300)).toBe(700);
    pacer.refund(limited, 300);
    expect(pacer.delay(300)).toBe(0);
    const next = pacer.take(300);
    pacer.settle(next);
    expect(pacer.delay(300)).toBe(1000);
    pacer.refund(next, 400); // already settled: nothing comes back
    expect(pacer.delay(400)).toBe(900);
  });

  it('never gives back more than a full bucket would hold', () => {
    const pacer = new Pacer(1, 2, 0);
    const a = pacer.take(0); // level 1
    // by t = 1000 the bucket is full again (2): the token of a would have overflowed
    pacer.refund(a, 1500);
    pacer.settle(pacer.take(1500));
    pacer.settle(pacer.take(1500));
    expect(pacer.delay(1500)).toBe(1000);
  });

  it('bounds every request (retries included) at twice the rate even when all are answered 429', () => {
    const rate = 10;
    const burst = defaultBurst(rate);
    const { all, counted } = simulate(rate, burst, { p429: 1, seed: 7, durationMs: 10_000, concurrency: 64 });
    expect(counted).toHaveLength(0);
    expect(all.length).toBeGreaterThan(150);
    expect(worstExcess(all, 2 * rate)).toBeLessThanOrEqual(2 * burst + 1e-6);
  });

  for (const [rate, seed, p429] of [
    [1, 1, 0.1],
    [3, 2, 0.5],
    [20, 3, 0.3],
    [500, 4, 0.1],
    [500, 5, 0.6],
  ] as const) {
    it(`counted requests never exceed rate × window + burst (rate ${rate}, ${p429 * 100}% 429, stalls)`, () => {
      const burst = defaultBurst(rate);
      const { counted, all } = simulate(rate, burst, { p429, seed, durationMs: rate >= 100 ? 3_000 : 60_000, concurrency: 64 });
      expect(counted.length).toBeGreaterThan(10);
      expect(worstExcess(counted, rate)).toBeLessThanOrEqual(burst + 1e-6);
      expect(worstExcess(all, 2 * rate)).toBeLessThanOrEqual(2 * burst + 1e-6);
    });
  }

  it('recovers from a delay shorter than the burst: the count over a run stays on schedule', () => {
    const rate = 500;
    const pacer = new Pacer(rate, defaultBurst(rate), 0);
    let taken = 0;
    // a sender that polls every 10 ms and, once, is 90 ms late
    for (let now = 0; now <= 1000; now += now === 400 ? 90 : 10) {
      while (pacer.delay(now) === 0) {
        pacer.settle(pacer.take(now));
        taken++;
      }
    }
    // 1000 ms at 500/s plus the full bucket at the start
    expect(taken).toBe(500 + defaultBurst(rate));
  });
});
