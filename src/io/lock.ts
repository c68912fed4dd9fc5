/**
 * Whether the holder of the send lock is gone. The lock row itself is in the database
 * (src/store/messages.ts). A live run renews its heartbeat every few seconds, so a holder whose
 * heartbeat is older than STALE_AFTER_MS is stale on any host: after a reboot or a kill -9 its pid
 * may have been reused (in a container, even by the next run itself), so a live pid proves nothing
 * then. On this host a holder is also stale at once when its pid is gone, or when it is our own
 * pid (a different run id with our pid is a dead predecessor, never another live run).
 * The pid and the liveness check come from the CLI layer: nothing here touches `process`.
 */
import os from 'node:os';
import type { LockHolder } from '../app/sendReminders.js';

export const STALE_AFTER_MS = 5 * 60_000;

export function hostname(): string {
  return os.hostname();
}

export interface LockSelf {
  pid: number;
  hostname: string;
}

export function holderIsStale(holder: LockHolder, now: Date, self: LockSelf, isAlive: (pid: number) => boolean): boolean {
  const beat = new Date(holder.heartbeatAt).getTime();
  if (!Number.isFinite(beat) || now.getTime() - beat > STALE_AFTER_MS) return true;
  if (holder.hostname !== self.hostname) return false;
  return holder.pid === self.pid || !isAlive(holder.pid);
}
