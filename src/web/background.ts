/**
 * The field server's worker thread, with a connection of its own, doing the slow things off the
 * thread that answers the tellers:
 * - a PASSIVE checkpoint of the WAL once a second (the server's connection has automatic
 *   checkpoints off: one copied and synced thousands of 16 KiB pages of a 1M-voter database on
 *   the request thread, stalling every request; a PASSIVE checkpoint never blocks a writer);
 * - the dashboards' events: ~4 times a second it asks SQLite whether anything was committed
 *   (PRAGMA data_version: the server's writes and any other process's), and if so computes the
 *   status (40-80 ms for 1M voters) and activity for each set of options a dashboard asked for,
 *   and posts the ready-made event text to the main thread, which only writes it out. A new set
 *   of options is rendered at once, for its first dashboard.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/db.js';
import { dataVersion, fieldActivitySource } from '../store/field.js';
import { settingsStore } from '../store/settings.js';
import { statusStore } from '../store/status.js';
import type { StatusQuery } from '../app/statusQuery.js';
import { renderWatched, type Watched } from './events.js';

export interface BackgroundData {
  file: string;
  pollMs: number;
  checkpointMs: number;
  /** TURNOUT_NOW's instant, when the server runs at a fixed time (rehearsals, tests). */
  fixedNow?: string;
}

export type ToBackground = { type: 'watch'; key: string; cli: StatusQuery; underMobilized: boolean } | { type: 'stop' };
export type FromBackground = { type: 'events'; texts: Record<string, string> } | { type: 'failure'; message: string };

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'file' in workerData) {
  const port = parentPort;
  const { file, pollMs, checkpointMs, fixedNow } = workerData as BackgroundData;
  const db = openDatabase(file, { create: false });
  const version = dataVersion(db);
  const ports = { status: statusStore(db), settings: settingsStore(db), activity: fieldActivitySource(db) };
  const now = (): Date => (fixedNow !== undefined ? new Date(fixedNow) : new Date());
  const watched = new Map<string, Watched>();
  let seen = -1;
  let busy = false;
  /** Renders are spaced to twice their cost: on a machine with few cores this thread shares them with the requests. */
  let nextRender = 0;

  const render = async (): Promise<void> => {
    if (busy || watched.size === 0 || performance.now() < nextRender) return;
    const v = version();
    if (v === seen) return;
    busy = true;
    const started = performance.now();
    try {
      seen = v;
      const texts = await renderWatched(ports, watched, now());
      port.postMessage({ type: 'events', texts } satisfies FromBackground);
    } catch (error) {
      port.postMessage({ type: 'failure', message: error instanceof Error ? error.message : String(error) } satisfies FromBackground);
    } finally {
      busy = false;
      nextRender = started + 2 * (performance.now() - started);
    }
  };

  const poll = setInterval(() => void render(), pollMs);
  const checkpoint = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or locked: the next tick tries again.
    }
  }, checkpointMs);

  port.on('message', (message: ToBackground) => {
    if (message.type === 'watch') {
      watched.set(message.key, { cli: message.cli, underMobilized: message.underMobilized });
      // A new dashboard waits for its first events: render now, whatever the version.
      seen = -1;
      nextRender = 0;
      setImmediate(() => void render());
    } else if (message.type === 'stop') {
      clearInterval(poll);
      clearInterval(checkpoint);
      try {
        db.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        // Another process holds the database: its own checkpoints will do.
      }
      db.close();
      port.close();
    }
  });
}
