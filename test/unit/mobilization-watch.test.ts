import { describe, expect, it } from 'vitest';
import type { AreaSupportCount, StatusSource } from '../../src/app/computeStatus.js';
import { createWatcher, type ChecksFolder, type FileSnapshot, type ImportedFiles, type KnownContent } from '../../src/app/watch.js';
import { DataError, RuntimeError } from '../../src/core/errors.js';
import { isCandidateName } from '../../src/io/checksFolder.js';

/** An in-memory folder: name → content and modification time. */
class FakeFolder implements ChecksFolder {
  files = new Map<string, { content: string; mtimeMs: number }>();
  put(name: string, content: string, mtimeMs = 1000): void {
    this.files.set(name, { content, mtimeMs });
  }
  async scan(): Promise<FileSnapshot[]> {
    return [...this.files].map(([name, f]) => ({ name, path: `/in/${name}`, size: f.content.length, mtimeMs: f.mtimeMs }));
  }
  async hash(path: string): Promise<string> {
    return `hash:${this.files.get(path.slice(4))!.content}`;
  }
}

function setup() {
  const folder = new FakeFolder();
  const hashes = new Map<string, KnownContent>();
  const imported: ImportedFiles = {
    known: (h) => hashes.get(h),
    record: (f) => void hashes.set(f.hash, { outcome: 'imported' }),
    recordBad: (f) => void hashes.set(f.hash, { outcome: 'bad', name: f.name, error: f.error }),
  };
  const calls: string[] = [];
  /** What the fake import does with a file's content: "bad" is a bad file, "busy" a database error. */
  const importChecksFile = async (path: string) => {
    const content = folder.files.get(path.slice(4))!.content;
    calls.push(path.slice(4));
    if (content.startsWith('bad')) throw new DataError('no voter id column', { where: { file: path, line: 1 } });
    if (content.startsWith('busy')) throw new RuntimeError('database is locked');
    return { newly_checked: content.length };
  };
  // Area A: 100 supporters, of whom `votedA` have voted; B: 100 supporters, 50 voted.
  let votedA = 50;
  const source: StatusSource = {
    defaultAreaField: () => 'neighborhood',
    checkField: () => {},
    areaSupportCounts: (): AreaSupportCount[] => [
      { area: 'A', support: 1, voters: 100, voted: votedA },
      { area: 'A', support: 5, voters: 300, voted: 100 },
      { area: 'B', support: 2, voters: 100, voted: 50 },
    ],
    supporterChecksByMinute: () => [],
  };
  let onSleep: (() => void) | undefined;
  const start = () =>
    createWatcher(
      {
        folder,
        imported,
        importChecksFile,
        source,
        clock: { now: () => new Date('2026-03-15T15:00:00Z') },
        sleep: async () => {
          onSleep?.();
          onSleep = undefined;
        },
      },
      { status: { timeZone: 'Europe/Paris', reference: { kind: 'expected', rate: 0.5 } }, settleMs: 0 },
    );
  const watcher = start();
  return {
    folder,
    calls,
    watcher,
    /** A new watcher on the same folder and the same record of imported files (watch restarted). */
    restart: start,
    setVotedA: (n: number) => (votedA = n),
    duringSettle: (f: () => void) => (onSleep = f),
  };
}

describe('turnout watch: the folder', () => {
  it('leaves out dotfiles, partial downloads and non-CSV files', () => {
    expect(isCandidateName('bureau-12.csv')).toBe(true);
    expect(isCandidateName('BUREAU-12.CSV')).toBe(true);
    expect(isCandidateName('pointage.tsv')).toBe(true);
    expect(isCandidateName('.bureau-12.csv')).toBe(false);
    expect(isCandidateName('bureau-12.csv.part')).toBe(false);
    expect(isCandidateName('bureau-12.csv.crdownload')).toBe(false);
    expect(isCandidateName('~$bureau.csv')).toBe(false);
    expect(isCandidateName('bureau-12.csv~')).toBe(false);
    expect(isCandidateName('photo.jpg')).toBe(false);
  });
});

describe('turnout watch: each refresh', () => {
  it('imports a new file once its size and time hold still, and each content once', async () => {
    const t = setup();
    t.folder.put('b12.csv', 'checks-1');
    const first = await t.watcher.refresh();
    expect(first.files).toEqual([{ file: 'b12.csv', outcome: 'imported', summary: { newly_checked: 8 } }]);
    // Nothing new: nothing imported.
    expect((await t.watcher.refresh()).files).toEqual([]);
    // The same content under another name: recognised by its hash.
    t.folder.put('b12-copy.csv', 'checks-1', 2000);
    expect((await t.watcher.refresh()).files).toEqual([{ file: 'b12-copy.csv', outcome: 'already-imported' }]);
    // The file grows (a watcher appended lines): imported again.
    t.folder.put('b12.csv', 'checks-1+2', 3000);
    expect((await t.watcher.refresh()).files).toEqual([{ file: 'b12.csv', outcome: 'imported', summary: { newly_checked: 10 } }]);
    expect(t.calls).toEqual(['b12.csv', 'b12.csv']);
  });

  it('does not read a file that is still being written', async () => {
    const t = setup();
    t.folder.put('b7.csv', 'half');
    t.duringSettle(() => t.folder.put('b7.csv', 'half and more', 1500));
    const first = await t.watcher.refresh();
    expect(first.files).toEqual([{ file: 'b7.csv', outcome: 'pending' }]);
    expect(t.calls).toEqual([]);
    // Unchanged since the last look: complete, imported without waiting again.
    const second = await t.watcher.refresh();
    expect(second.files).toEqual([{ file: 'b7.csv', outcome: 'imported', summary: { newly_checked: 13 } }]);
  });

  it('reports a bad file, skips it until it changes, and goes on with the others', async () => {
    const t = setup();
    t.folder.put('a-bad.csv', 'bad', 1000);
    t.folder.put('b-good.csv', 'good', 1001);
    const first = await t.watcher.refresh();
    expect(first.files).toEqual([
      { file: 'a-bad.csv', outcome: 'failed', error: '/in/a-bad.csv:1: no voter id column' },
      { file: 'b-good.csv', outcome: 'imported', summary: { newly_checked: 4 } },
    ]);
    expect((await t.watcher.refresh()).files).toEqual([]);
    // Remembered through the port: a watcher started afresh on the same database says nothing more.
    const restarted = t.restart();
    expect((await restarted.refresh()).files).toEqual([{ file: 'b-good.csv', outcome: 'already-imported' }]);
    expect(t.calls).toEqual(['a-bad.csv', 'b-good.csv']);
    t.folder.put('a-bad.csv', 'fixed', 5000);
    expect((await t.watcher.refresh()).files).toEqual([{ file: 'a-bad.csv', outcome: 'imported', summary: { newly_checked: 5 } }]);
  });

  it('tries again at the next refresh when the failure is not the file’s fault', async () => {
    const t = setup();
    t.folder.put('b3.csv', 'busy');
    expect((await t.watcher.refresh()).files).toEqual([{ file: 'b3.csv', outcome: 'failed', error: 'database is locked' }]);
    expect((await t.watcher.refresh()).files).toEqual([{ file: 'b3.csv', outcome: 'failed', error: 'database is locked' }]);
    expect(t.calls).toEqual(['b3.csv', 'b3.csv']);
  });

  it('says which areas became flagged and which recovered', async () => {
    const t = setup();
    // A: 50 of 100 against 50 %: z = 0.
    const first = await t.watcher.refresh();
    expect(first.number).toBe(1);
    expect(first.changes).toEqual({ newlyFlagged: [], recovered: [] });
    expect(first.report.at).toBe('2026-03-15T15:00:00.000Z');
    // A: 30 of 100: z = −0.2 / 0.05 = −4, flagged.
    t.setVotedA(30);
    const second = await t.watcher.refresh();
    expect(second.report.areas[0]).toMatchObject({ area: 'A', under_mobilized: true, shortfall: 20 });
    expect(second.changes).toEqual({ newlyFlagged: ['A'], recovered: [] });
    t.setVotedA(45); // z = −1, not flagged any more
    expect((await t.watcher.refresh()).changes).toEqual({ newlyFlagged: [], recovered: ['A'] });
  });
});
