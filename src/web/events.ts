/**
 * The dashboards' live events (/api/events): for each set of status options a dashboard asked
 * for, the status and the field activity, rendered as event-stream text whenever something was
 * committed. Two feeds, by engine:
 * - SQLite: the background worker (background.ts), which also checkpoints the WAL;
 * - PostgreSQL: pollingEvents below, in the server's own thread (the database does the work):
 *   at once after this server's own commits, and every `pollMs` when the tallies moved (another
 *   server, `import checks` or `mark` on another machine).
 */
import { Worker } from 'node:worker_threads';
import { computeStatus } from '../app/computeStatus.js';
import type { FieldDatabase, FieldPorts } from '../app/fieldServer.js';
import { statusInputFrom, type StatusQuery } from '../app/statusQuery.js';
import { statusRows } from '../app/statusRows.js';
import { readSettings } from '../core/settings.js';
import { toIso } from '../core/time.js';
import type { BackgroundData, FromBackground, ToBackground } from './background.js';

export interface Watched {
  cli: StatusQuery;
  underMobilized: boolean;
}

export interface EventFeed {
  /** Begins; `publish` gets new event texts by options key, `failed` a message for the log. */
  start(publish: (texts: Record<string, string>) => void, failed: (message: string) => void): void;
  /** Renders events for these options from now on. */
  watch(key: string, watched: Watched): void;
  /**
   * Whether the feed publishes a newly watched key's first events itself, soon after watch(): the
   * SQLite worker, off the thread that answers the tellers. Otherwise (PostgreSQL, where the
   * database does the work) the server renders a new stream's first events at once.
   */
  readonly rendersFirst: boolean;
  /** This server committed something: render soon. */
  nudge(): void;
  stop(): Promise<void>;
}

/** An event stream's text for a status and an activity. */
export function eventText(events: ReadonlyArray<{ event: string; data: unknown }>): string {
  return events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('');
}

/** The events of every watched set of options, as of `at`. */
export async function renderWatched(
  ports: Pick<FieldPorts, 'status' | 'settings' | 'activity'>,
  watched: ReadonlyMap<string, Watched>,
  at: Date,
): Promise<Record<string, string>> {
  const timeZone = readSettings(await ports.settings.all()).timeZone;
  const activity = { now: toIso(at), ...(await ports.activity.activity(toIso(at))) };
  const texts: Record<string, string> = {};
  for (const [key, w] of watched) {
    try {
      const input = await statusInputFrom(w.cli, { timeZone, now: at });
      const report = await computeStatus({ source: ports.status }, input);
      texts[key] = eventText([
        { event: 'status', data: statusRows(report, w.underMobilized) },
        { event: 'activity', data: activity },
      ]);
    } catch (error) {
      texts[key] = eventText([{ event: 'failure', data: { error: error instanceof Error ? error.message : String(error) } }]);
    }
  }
  return texts;
}

/** SQLite: the background worker thread (background.ts) renders, with a connection of its own. */
export function workerEvents(data: BackgroundData): EventFeed {
  const worker = new Worker(new URL('./background.js', import.meta.url), { workerData: data });
  worker.unref();
  return {
    start(publish, failed) {
      worker.on('message', (message: FromBackground) => {
        if (message.type === 'events') publish(message.texts);
        else failed(message.message);
      });
      worker.on('error', (error) => failed(`background worker: ${error.message}`));
    },
    watch: (key, w) => worker.postMessage({ type: 'watch', key, cli: w.cli, underMobilized: w.underMobilized } satisfies ToBackground),
    rendersFirst: true,
    // The worker asks SQLite (data_version) several times a second: the server's commits show there too.
    nudge: () => {},
    stop: () =>
      new Promise((resolve) => {
        if (worker.threadId === -1) return resolve();
        worker.once('exit', () => resolve());
        worker.ref(); // keep the process alive until its last checkpoint is done
        worker.postMessage({ type: 'stop' } satisfies ToBackground);
      }),
  };
}

/**
 * PostgreSQL: renders in this thread through the database's pool, after this server's own
 * commits and whenever db.version() moved. Renders are spaced to twice their cost, as the
 * worker's are, and one at a time. A database away makes a render fail quietly: the next poll
 * tries again.
 */
export function pollingEvents(db: FieldDatabase, now: () => Date, pollMs: number): EventFeed {
  const watched = new Map<string, Watched>();
  let publishTo: (texts: Record<string, string>) => void = () => {};
  let failTo: (message: string) => void = () => {};
  let seen: string | undefined;
  let dirty = false;
  let busy: Promise<void> | undefined;
  let nextRender = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failing = false;

  const tick = async (): Promise<void> => {
    if (watched.size === 0 || stopped || performance.now() < nextRender) return;
    const started = performance.now();
    try {
      const version = await db.version();
      if (version === seen && !dirty) return;
      dirty = false;
      seen = version;
      const texts = await db.use((ports) => renderWatched(ports, watched, now()));
      if (!stopped) publishTo(texts);
      failing = false;
    } catch (error) {
      // Said once per outage, not every poll.
      if (!failing) failTo(error instanceof Error ? error.message : String(error));
      failing = true;
      seen = undefined;
    } finally {
      nextRender = started + 2 * (performance.now() - started);
    }
  };
  const run = (): void => {
    if (busy !== undefined) return;
    busy = tick().finally(() => {
      busy = undefined;
    });
  };
  return {
    start(publish, failed) {
      publishTo = publish;
      failTo = failed;
      timer = setInterval(run, pollMs);
      timer.unref();
    },
    watch(key, w) {
      watched.set(key, w);
    },
    rendersFirst: false,
    nudge() {
      dirty = true;
      setImmediate(run);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
    },
  };
}
