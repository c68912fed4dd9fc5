/**
 * When the holder of the send lock is dead, so that its lock may be taken over. The lock row
 * itself is in the database (src/store/messages.ts); a live run refreshes its heartbeat every
 * few seconds while it sends.
 *
 * A holder is stale when its heartbeat is older than five minutes, on any machine: after a
 * reboot or a kill -9 its pid may have been given to another process (in a container, even to
 * the next run itself), so "the pid is alive" alone cannot keep a lock forever. On this machine
 * a holder whose pid is gone, or is our own pid (we hold no lock yet when we ask), is stale at once.
 */
import type { LockHolder } from '../app/sendReminders.js';

export const STALE_AFTER_MS = 5 * 60_000;

export interface ThisProcess {
  pid: number;
  hostname: string;
  /** Whether a process with this pid exists on this machine. */
  isAlive(pid: number): boolean;
}

export function holderIsStale(holder: LockHolder, now: Date, self: ThisProcess): boolean {
  if (now.getTime() - new Date(holder.heartbeatAt).getTime() > STALE_AFTER_MS) return true;
  if (holder.hostname !== self.hostname) return false;
  return holder.pid === self.pid || !self.isAlive(holder.pid);
}
