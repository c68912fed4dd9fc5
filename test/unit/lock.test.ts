import { describe, expect, it } from 'vitest';
import type { LockHolder } from '../../src/app/sendReminders.js';
import { holderIsStale, STALE_AFTER_MS } from '../../src/io/lock.js';

const now = new Date('2026-03-15T14:00:00.000Z');
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();
const holder = (over: Partial<LockHolder>): LockHolder => ({
  runId: 'r1',
  pid: 4242,
  hostname: 'laptop',
  acquiredAt: ago(60_000),
  heartbeatAt: ago(2_000),
  ...over,
});
const here = (alive: number[]) => ({ pid: 1000, hostname: 'laptop', isAlive: (pid: number) => alive.includes(pid) });

describe('the send lock: when its holder is dead', () => {
  it('keeps a live run on this machine that is beating', () => {
    expect(holderIsStale(holder({}), now, here([4242]))).toBe(false);
  });

  it('takes over at once when the pid is gone on this machine', () => {
    expect(holderIsStale(holder({}), now, here([]))).toBe(true);
  });

  it('takes over a lock whose pid was reused after a reboot: its heartbeat is old', () => {
    expect(holderIsStale(holder({ heartbeatAt: ago(STALE_AFTER_MS + 1) }), now, here([4242]))).toBe(true);
    expect(holderIsStale(holder({ heartbeatAt: ago(24 * 3_600_000), pid: 1 }), now, here([1]))).toBe(true);
  });

  it('takes over a lock recorded under our own pid (a container that gave the next run the same pid)', () => {
    expect(holderIsStale(holder({ pid: 1000 }), now, here([1000]))).toBe(true);
  });

  it('keeps a run on another machine while its heartbeat is recent, whatever our pids', () => {
    expect(holderIsStale(holder({ hostname: 'server', pid: 1000 }), now, here([]))).toBe(false);
    expect(holderIsStale(holder({ hostname: 'server', heartbeatAt: ago(STALE_AFTER_MS + 1) }), now, here([]))).toBe(true);
  });
});
