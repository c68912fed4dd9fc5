import type { PurgeOptions, PurgeOutcome, PurgeStore, PurgeTable } from '../app/purge.js';
import { RuntimeError } from '../core/errors.js';
import { SETTING_KEYS } from '../core/settings.js';
import type { Db } from './db.js';

/**
 * The only tables a purge keeps: counts and settings. Every other table is emptied, whatever its
 * name or columns, so a table or column added by a later migration (official-list fields such
 * as birth names and dates, contacts, tokens) is purged without this file knowing it: a table is
 * personal until it is listed here.
 */
export const KEPT: Readonly<Record<string, string>> = {
  settings: 'the election settings: region, time zone, name, SMS footer, purge date',
  precinct_areas: "the campaign's map of precincts (bureaux) onto areas (quartiers): no one's data",
  voter_tally: 'counts: voters per neighborhood, precinct and support level',
  vote_tally: 'counts: votes per neighborhood, precinct, support level and hour',
  vote_tally_on_the_hour: 'counts: votes checked exactly on the hour, per the same',
};

/** Kept only with --keep-optouts. */
export const OPTOUTS = 'optouts';

/** What the tables of migrations 001-004 hold, for the plan shown before the purge. */
export const HOLDS: Readonly<Record<string, string>> = {
  voters: 'voters: names, addresses, birth dates, phones, e-mails, support levels, every imported column',
  voter_columns: 'the headers of the imported columns',
  checks: 'poll checks: who voted, and when',
  unmatched_checks: 'poll checks that matched no voter: voter ids, list numbers, file lines',
  imported_files: 'the poll-check files turnout watch imported: names and summaries',
  messages: 'the SMS log: phone numbers and bodies',
  message_voters: 'which voters each SMS was for',
  inbound_messages: 'SMS replies: phone numbers and bodies',
  sms_unusable: 'phone numbers Twilio refused',
  send_lock: 'the send lock: host name and process id',
  [OPTOUTS]: 'opt-outs: phone numbers never to contact',
};

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export function purgeStore(db: Db): PurgeStore {
  /** Tables to consider: user tables, not SQLite's own, nor the shadow tables of a virtual table (emptied through it). */
  const tables = (): string[] => {
    const all = db
      .prepare<[], { name: string; sql: string | null }>(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name",
      )
      .all();
    const virtual = all.filter((t) => /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(t.sql ?? '')).map((t) => t.name);
    return all.map((t) => t.name).filter((name) => !virtual.some((v) => name !== v && name.startsWith(`${v}_`)));
  };
  const count = (table: string): number => db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM main.${quote(table)}`).get()!.n;
  const keeps = (table: string, options: PurgeOptions): boolean => table in KEPT || (table === OPTOUTS && options.keepOptouts);

  const plan = (options: PurgeOptions): PurgeTable[] =>
    tables().map((table) => {
      const keep = keeps(table, options);
      return {
        table,
        rows: count(table),
        action: keep ? 'keep' : 'delete',
        holds: KEPT[table] ?? HOLDS[table] ?? 'added by a later version of turnout; not known to hold counts only, so deleted',
      };
    });

  const bytes = (): number => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);

  /** Empties the WAL into the database file and truncates it to 0 bytes; false when another connection prevents it. */
  const truncateWal = (): boolean => {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    return result === undefined || result.busy === 0;
  };

  const setting = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const setSetting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');

  /** Counts the checks into what status needs once they are gone (on a first purge only). */
  const secureAggregates = (): void => {
    db.exec(`
      DELETE FROM vote_tally_on_the_hour;
      INSERT INTO vote_tally_on_the_hour (neighborhood, precinct, support, hour, votes)
        SELECT neighborhood, precinct, support, substr(checked_at, 1, 13), count(*)
          FROM checks
         WHERE support IS NOT NULL AND substr(checked_at, 14) = ':00:00.000Z'
         GROUP BY 1, 2, 3, 4;
    `);
    const last = db.prepare<[], { last: string | null }>('SELECT max(checked_at) AS last FROM checks').get()!.last;
    if (last !== null) setSetting.run(SETTING_KEYS.votesUntil, last);
  };

  return {
    plan,
    purge(options) {
      // Another connection (turnout watch, a server) would keep old pages in the WAL: refuse before deleting anything.
      if (!truncateWal()) {
        throw new RuntimeError('another process has the database open (turnout watch, a send run, a viewer): nothing was deleted', {
          hint: 'Stop it, then run turnout purge again.',
        });
      }
      const bytesBefore = bytes();
      // Freed pages are overwritten with zeros, in the database file and in the WAL.
      db.pragma('secure_delete = ON');
      const before = plan(options);
      db.transaction(() => {
        // Voters, checks and messages reference each other: checked at the commit, when all are empty.
        db.pragma('defer_foreign_keys = ON');
        const alreadyPurged = setting.get(SETTING_KEYS.purgedAt) !== undefined;
        if (!alreadyPurged) secureAggregates();
        // Deleting voters and checks fires the triggers that keep the tallies: put the counts back after.
        const kept = before.filter((t) => t.action === 'keep');
        kept.forEach((t, i) => db.exec(`CREATE TEMP TABLE purge_kept_${i} AS SELECT * FROM main.${quote(t.table)}`));
        const deleted = before.filter((t) => t.action === 'delete');
        // A trigger may write into a table already emptied: go round until every one stays empty.
        // A virtual table (full-text index) keeps deleted words in its index segments after a
        // delete: dropped (its shadow tables with it) and created again, empty.
        for (const t of deleted) {
          const virtual = db
            .prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ? AND sql LIKE 'CREATE VIRTUAL TABLE%'")
            .get(t.table);
          if (virtual) db.exec(`DROP TABLE main.${quote(t.table)}; ${virtual.sql};`);
        }
        for (let pass = 0; ; pass++) {
          for (const t of deleted) db.exec(`DELETE FROM main.${quote(t.table)}`);
          if (deleted.every((t) => count(t.table) === 0)) break;
          if (pass === 3) throw new RuntimeError('the purge could not empty every table (a trigger keeps filling one): nothing was deleted');
        }
        kept.forEach((t, i) => {
          db.exec(`DELETE FROM main.${quote(t.table)}; INSERT INTO main.${quote(t.table)} SELECT * FROM temp.purge_kept_${i}; DROP TABLE temp.purge_kept_${i};`);
        });
        if (!alreadyPurged) setSetting.run(SETTING_KEYS.purgedAt, options.at);
        // ANALYZE's statistics may sample index keys (sqlite_stat4): names, phones.
        for (const stat of ['sqlite_stat1', 'sqlite_stat4']) {
          const exists = db.prepare('SELECT 1 FROM sqlite_schema WHERE name = ?').get(stat);
          if (exists) db.prepare(`DELETE FROM main.${stat} WHERE tbl NOT IN (SELECT value FROM json_each(?))`).run(JSON.stringify(kept.map((t) => t.table)));
        }
      }).immediate();
      // Rewrites the whole file without the freed pages, then empties and truncates the WAL it went through.
      db.exec('VACUUM');
      if (!truncateWal()) {
        throw new RuntimeError('the personal data is deleted, but another process opened the database meanwhile and its WAL file still holds old pages', {
          hint: 'Stop it, then run turnout purge again: on a purged database it only vacuums and truncates the WAL.',
        });
      }
      return { tables: before, bytesBefore, bytesAfter: bytes() };
    },
  };
}
