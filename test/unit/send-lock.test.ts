import { describe, expect, it } from 'vitest';
import { holderIsStale, STALE_AFTER_MS } from '../../src/io/lock.js';

const now = new Date('2026-03-15T14:00:00.000Z');
const self = { pid: 4242, hostname: 'cron-box' };
const holder = (pid: number, hostname: string, ageMs: number) => {
  const at = new Date(now.getTime() - ageMs).toISOString();
  return { runId: 'other', pid, hostname, acquiredAt: at, heartbeatAt: at };
};
const alive = (pid: number): boolean => pid === 1 || pid === 777;

describe('send lock staleness', () => {
  it('a day-old heartbeat is stale even when its pid is alive on this host (pid reused after a reboot)', () => {
    expect(holderIsStale(holder(1, 'cron-box', 24 * 3_600_000), now, self, alive)).toBe(true);
    expect(holderIsStale(holder(777, 'other-box', STALE_AFTER_MS + 1000), now, self, alive)).toBe(true);
  });

  it('a holder with our own pid is a dead predecessor, never another live run', () => {
    expect(holderIsStale(holder(4242, 'cron-box', 1000), now, self, () => true)).toBe(true);
  });

  it('a fresh heartbeat from a live pid on this host, or from another host, holds the lock', () => {
    expect(holderIsStale(holder(777, 'cron-box', 3000), now, self, alive)).toBe(false);
    expect(holderIsStale(holder(4242, 'other-box', 3000), now, self, alive)).toBe(false);
  });

  it('a dead pid on this host is stale at once', () => {
    expect(holderIsStale(holder(888, 'cron-box', 1000), now, self, alive)).toBe(true);
  });
});
