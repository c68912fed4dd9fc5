/**
 * Who holds the send lock, and whether that process is still alive. The lock row itself is in
 * the database (src/store/messages.ts); this decides when a holder is dead: on this machine,
 * its pid is gone; on another machine (a shared disk), no heartbeat for five minutes.
 */
import os from 'node:os';
import type { LockHolder } from '../app/sendReminders.js';

export const STALE_AFTER_MS = 5 * 60_000;

export function currentProcess(): { pid: number; hostname: string } {
  return { pid: process.pid, hostname: os.hostname() };
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function holderIsStale(holder: LockHolder, now: Date, self = currentProcess()): boolean {
  if (holder.hostname === self.hostname) return holder.pid !== self.pid && !isProcessAlive(holder.pid);
  return now.getTime() - new Date(holder.heartbeatAt).getTime() > STALE_AFTER_MS;
}
