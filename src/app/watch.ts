import { formatLocation, RuntimeError, TurnoutError } from '../core/errors.js';
import { flagChanges, type FlagChanges } from '../core/mobilization.js';
import { computeStatus, type StatusInput, type StatusReport, type StatusSource } from './computeStatus.js';
import type { Awaitable, Clock } from './ports.js';

/** A poll-check file seen in the watched folder. */
export interface FileSnapshot {
  /** Name inside the folder, for messages. */
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/** The watched folder (src/io/checksFolder.ts): candidate files, dotfiles and partial downloads left out. */
export interface ChecksFolder {
  scan(): Promise<FileSnapshot[]>;
  /** SHA-256 of the file's bytes, hex. */
  hash(path: string): Promise<string>;
}

/** What became of a file's content before, in this run or an earlier one. */
export type KnownContent = { outcome: 'imported' } | { outcome: 'bad'; name: string; error: string };

/** The contents watch has dealt with, by hash (src/store/status.ts, table imported_files): kept across restarts. */
export interface ImportedFiles {
  known(hash: string): Awaitable<KnownContent | undefined>;
  record(file: { hash: string; name: string; size: number; importedAt: string; summary: unknown }): Awaitable<void>;
  /** A bad file's content: reported once, not again (after a restart either) until the file changes. */
  recordBad(file: { hash: string; name: string; size: number; at: string; error: string }): Awaitable<void>;
}

/** Imports one poll-check file and returns its summary (the import use case, injected). */
export type ImportChecksFile = (path: string) => Promise<unknown>;

export interface WatchPorts {
  folder: ChecksFolder;
  imported: ImportedFiles;
  importChecksFile: ImportChecksFile;
  source: StatusSource;
  clock: Clock;
  sleep(ms: number): Promise<void>;
}

export interface WatchOptions {
  /** Status options; `at` defaults to the clock at each refresh. */
  status: Omit<StatusInput, 'at'> & { at?: Date };
  /**
   * How long to wait before looking at a new or changed file again: it is imported only when
   * its size and modification time are the same on both looks (a file still being copied is
   * not read half-way).
   */
  settleMs: number;
}

export type FileOutcome =
  | { file: string; outcome: 'imported'; summary: unknown }
  /** Same content as a file imported before (maybe under another name): skipped. */
  | { file: string; outcome: 'already-imported' }
  /** Still growing: looked at again at the next refresh. */
  | { file: string; outcome: 'pending' }
  | { file: string; outcome: 'failed'; error: string };

export interface Refresh {
  /** 1 for the first refresh. */
  number: number;
  files: FileOutcome[];
  report: StatusReport;
  /** Since the previous refresh; empty at the first. */
  changes: FlagChanges;
}

function signature(file: FileSnapshot): string {
  return `${file.size}:${file.mtimeMs}`;
}

/**
 * The engine of `turnout watch`: each refresh imports the new or changed poll-check files of
 * the folder, each content once, then recomputes the status and says what changed. A bad file
 * is reported and not retried until it changes; a failure that is not the file's fault (the
 * database busy…) is retried at the next refresh.
 */
export function createWatcher(ports: WatchPorts, options: WatchOptions): { refresh(): Promise<Refresh> } {
  /** path → signature of the version already dealt with (imported, duplicate or bad). */
  const handled = new Map<string, string>();
  let previousScan = new Map<string, string>();
  let previousAreas: StatusReport['areas'] | undefined;
  let number = 0;

  async function importNewFiles(): Promise<FileOutcome[]> {
    const first = await ports.folder.scan();
    const candidates = first.filter((f) => handled.get(f.path) !== signature(f));
    let stable = candidates.filter((f) => previousScan.get(f.path) === signature(f));
    const unsure = candidates.filter((f) => previousScan.get(f.path) !== signature(f));
    const outcomes: FileOutcome[] = [];
    let latest = first;
    if (unsure.length > 0) {
      await ports.sleep(options.settleMs);
      latest = await ports.folder.scan();
      const now = new Map(latest.map((f) => [f.path, signature(f)]));
      for (const f of unsure) {
        if (now.get(f.path) === signature(f)) stable.push(f);
        else if (now.has(f.path)) outcomes.push({ file: f.name, outcome: 'pending' });
      }
    }
    previousScan = new Map(latest.map((f) => [f.path, signature(f)]));
    // Oldest first: later files may correct earlier ones.
    stable = stable.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const file of stable) {
      const outcome = await importOne(file);
      if (outcome !== undefined) outcomes.push(outcome);
    }
    return outcomes;
  }

  /** What happened to the file; undefined when there is nothing to say (a bad file already reported). */
  async function importOne(file: FileSnapshot): Promise<FileOutcome | undefined> {
    let hash: string;
    try {
      hash = await ports.folder.hash(file.path);
    } catch (error) {
      return { file: file.name, outcome: 'failed', error: describe(error) };
    }
    const known = await ports.imported.known(hash);
    if (known?.outcome === 'imported') {
      handled.set(file.path, signature(file));
      return { file: file.name, outcome: 'already-imported' };
    }
    if (known?.outcome === 'bad') {
      // Reported when it was first seen (maybe before a restart): not again until it changes.
      // The same bad content under another name is news to whoever dropped it there.
      handled.set(file.path, signature(file));
      return known.name === file.name ? undefined : { file: file.name, outcome: 'failed', error: `same content as ${known.name}, refused before: ${known.error}` };
    }
    try {
      const summary = await ports.importChecksFile(file.path);
      await ports.imported.record({ hash, name: file.name, size: file.size, importedAt: ports.clock.now().toISOString(), summary });
      handled.set(file.path, signature(file));
      return { file: file.name, outcome: 'imported', summary };
    } catch (error) {
      // A bad file stays skipped until it changes, and the database remembers it for the next
      // start; a runtime failure (database busy, disk) is not the file's fault and is tried again
      // at the next refresh.
      const outcome: FileOutcome = { file: file.name, outcome: 'failed', error: describe(error) };
      if (!(error instanceof RuntimeError)) {
        handled.set(file.path, signature(file));
        try {
          await ports.imported.recordBad({ hash, name: file.name, size: file.size, at: ports.clock.now().toISOString(), error: outcome.error });
        } catch {
          // Not remembered (database busy): reported again after a restart, nothing worse.
        }
      }
      return outcome;
    }
  }

  return {
    async refresh() {
      number++;
      const files = await importNewFiles();
      const report = await computeStatus({ source: ports.source }, { ...options.status, at: options.status.at ?? ports.clock.now() });
      const changes = flagChanges(previousAreas, report.areas);
      previousAreas = report.areas;
      return { number, files, report, changes };
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof TurnoutError) {
    const where = error.where ? `${formatLocation(error.where)}: ` : '';
    return `${where}${error.message}${error.hint ? ` (${error.hint})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
