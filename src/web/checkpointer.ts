/**
 * A worker thread that checkpoints the server's WAL once a second, with its own connection.
 * The server's connection has automatic checkpoints off: one copies thousands of 16 KiB pages
 * into a 1M-voter database and syncs it, and on the thread that answers the tellers it stalled
 * every request for that long. A PASSIVE checkpoint here never blocks a writer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/db.js';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = openDatabase(file, { create: false });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked: the next tick tries again.
  }
}, intervalMs);
parentPort?.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      db.close();
      parentPort?.close();
    }
  }
});
