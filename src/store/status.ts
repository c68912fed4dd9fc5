import type { AreaSupportCount, MinuteCount, PurgedCounts, StatusSource } from '../app/computeStatus.js';
import type { ImportedFiles } from '../app/watch.js';
import { UsageError } from '../core/errors.js';
import { SETTING_KEYS } from '../core/settings.js';
import type { Db } from './db.js';
import { EVERY_VOTER, fieldExpression } from './fields.js';

/** Fields the tallies of migration 004 count by: status by these never reads the voters. */
const TALLIED = new Set(['neighborhood', 'precinct']);

/**
 * The queries behind `turnout status`, per (area, support level); the few hundred rows that come
 * back are finished in JS (src/core/mobilization.ts).
 * - By neighborhood or precinct: voters from `voter_tally`; votes from `vote_tally` for the hours
 *   before the one of `at`, plus, when that hour has votes, the checks of that hour up to `at`
 *   (a scan of the checks, which carry their voter's keys). A million voters cost about what a
 *   thousand do.
 * - By any other field: a scan of the voters joined to their checks.
 * - After `turnout purge` the checks are gone: the hour of `at` counts whole when `at` is at or
 *   after the last check, or from vote_tally_on_the_hour when `at` is exactly on the hour
 *   (computeStatus refuses the other instants of an hour that has votes).
 */
export function statusStore(db: Db): StatusSource {
  const setting = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const purgedCounts = (): PurgedCounts | undefined => {
    const purgedAt = setting.get(SETTING_KEYS.purgedAt)?.value;
    if (purgedAt === undefined) return undefined;
    return { purgedAt, votesUntil: setting.get(SETTING_KEYS.votesUntil)?.value ?? null, areaFields: [...TALLIED] };
  };
  /** The tally to read the hour of `at` from on a purged database: the whole hour, or the votes at its first instant. */
  const purgedHourTable = (purged: PurgedCounts, at: string): string => {
    if (purged.votesUntil !== null && at >= purged.votesUntil) return 'vote_tally';
    if (at === `${at.slice(0, 13)}:00:00.000Z`) return 'vote_tally_on_the_hour';
    throw new UsageError(`this database was purged: its votes are counted per hour, and ${at} is inside an hour that has some`, {
      hint: 'Give --at on the hour, or leave it out.',
    });
  };
  return {
    purged: purgedCounts,
    votesInHour(at) {
      return db.prepare<[string], { n: number }>('SELECT ifnull(sum(votes), 0) AS n FROM vote_tally WHERE hour = ?').get(at.slice(0, 13))!.n;
    },
    defaultAreaField() {
      const known = db.prepare("SELECT 1 FROM voter_tally WHERE neighborhood <> '' AND voters > 0 LIMIT 1").get();
      return known ? 'neighborhood' : 'precinct';
    },
    checkField(field) {
      fieldExpression(db, field);
    },
    areaSupportCounts(field, at) {
      if (!TALLIED.has(field)) {
        const area = fieldExpression(db, field);
        return db
          .prepare<[string], AreaSupportCount>(
            `SELECT ${area} AS area, v.support AS support, COUNT(*) AS voters,
                    COUNT(CASE WHEN c.checked_at <= ? THEN 1 END) AS voted
               FROM ${EVERY_VOTER} LEFT JOIN checks c ON c.voter_id = v.id
              GROUP BY 1, 2`,
          )
          .all(at);
      }
      const counts = new Map<string, AreaSupportCount>();
      const keyOf = (area: string, support: number): string => `${support}\u0000${area}`;
      const voters = db.prepare<[], { area: string; support: number; n: number }>(
        `SELECT ${field} AS area, support, sum(voters) AS n FROM voter_tally GROUP BY 1, 2 HAVING sum(voters) > 0`,
      );
      for (const row of voters.iterate()) {
        counts.set(keyOf(row.area, row.support), { area: row.area, support: row.support === 0 ? null : row.support, voters: row.n, voted: 0 });
      }
      const hour = at.slice(0, 13);
      const before = db.prepare<[string], { area: string; support: number; n: number }>(
        `SELECT ${field} AS area, support, sum(votes) AS n FROM vote_tally WHERE hour < ? AND votes > 0 GROUP BY 1, 2`,
      );
      const add = (row: { area: string; support: number; n: number }): void => {
        const count = counts.get(keyOf(row.area, row.support));
        if (count) count.voted += row.n;
      };
      for (const row of before.iterate(hour)) add(row);
      const during = db.prepare<[string], { n: number }>('SELECT ifnull(sum(votes), 0) AS n FROM vote_tally WHERE hour = ?').get(hour)!.n;
      const purged = during > 0 ? purgedCounts() : undefined;
      if (purged) {
        const table = purgedHourTable(purged, at);
        const whole = db.prepare<[string], { area: string; support: number; n: number }>(
          `SELECT ${field} AS area, support, sum(votes) AS n FROM ${table} WHERE hour = ? AND votes > 0 GROUP BY 1, 2`,
        );
        for (const row of whole.iterate(hour)) add(row);
      } else if (during > 0) {
        const partial = db.prepare<[string, string], { area: string; support: number; n: number }>(
          `SELECT ${field} AS area, support, count(*) AS n FROM checks WHERE checked_at >= ? AND checked_at <= ? GROUP BY 1, 2`,
        );
        for (const row of partial.iterate(hour, at)) add(row);
      }
      return [...counts.values()];
    },
    supporterChecksByMinute(field, support, at) {
      const levels = support.map(() => '?').join(', ');
      if (!TALLIED.has(field)) {
        const area = fieldExpression(db, field);
        return db
          .prepare<unknown[], MinuteCount>(
            `SELECT ${area} AS area, substr(c.checked_at, 1, 16) AS minute, COUNT(*) AS count
               FROM checks c JOIN voters v ON v.id = c.voter_id
              WHERE c.checked_at <= ? AND v.support IN (${levels})
              GROUP BY 1, 2`,
          )
          .all(at, ...support);
      }
      const purged = purgedCounts();
      if (purged) {
        // Each hour's votes at the hour's first minute: buildTimeline places them by the local hour.
        const hour = at.slice(0, 13);
        const rows = db
          .prepare<unknown[], MinuteCount>(
            `SELECT ${field} AS area, hour || ':00' AS minute, sum(votes) AS count
               FROM vote_tally
              WHERE hour < ? AND votes > 0 AND support IN (${levels})
              GROUP BY 1, 2`,
          )
          .all(hour, ...support);
        const during = db.prepare<[string], { n: number }>('SELECT ifnull(sum(votes), 0) AS n FROM vote_tally WHERE hour = ?').get(hour)!.n;
        if (during === 0) return rows;
        const table = purgedHourTable(purged, at);
        return rows.concat(
          db
            .prepare<unknown[], MinuteCount>(
              `SELECT ${field} AS area, hour || ':00' AS minute, sum(votes) AS count
                 FROM ${table}
                WHERE hour = ? AND votes > 0 AND support IN (${levels})
                GROUP BY 1, 2`,
            )
            .all(hour, ...support),
        );
      }
      return db
        .prepare<unknown[], MinuteCount>(
          `SELECT ${field} AS area, substr(checked_at, 1, 16) AS minute, COUNT(*) AS count
             FROM checks
            WHERE checked_at <= ? AND support IN (${levels})
            GROUP BY 1, 2`,
        )
        .all(at, ...support);
    },
  };
}

/**
 * The poll-check file contents `turnout watch` has dealt with, by hash: imported (summary: the
 * import's), or refused as bad (summary `{"bad_file": "the error reported"}`, imported_at: when).
 */
export function importedFilesStore(db: Db): ImportedFiles {
  const get = db.prepare<[string], { name: string; summary: string | null }>('SELECT name, summary FROM imported_files WHERE hash = ?');
  const add = db.prepare(
    'INSERT INTO imported_files (hash, name, size, imported_at, summary) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
  );
  // A content imported since it was refused (it cannot be, unless the rules changed) replaces the refusal.
  const imported = db.prepare(
    `INSERT INTO imported_files (hash, name, size, imported_at, summary) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (hash) DO UPDATE SET name = excluded.name, size = excluded.size, imported_at = excluded.imported_at, summary = excluded.summary
     WHERE json_type(imported_files.summary, '$.bad_file') IS NOT NULL`,
  );
  return {
    known: (hash) => {
      const row = get.get(hash);
      if (row === undefined) return undefined;
      const summary = row.summary === null ? null : (JSON.parse(row.summary) as unknown);
      const bad = summary !== null && typeof summary === 'object' ? (summary as { bad_file?: unknown }).bad_file : undefined;
      return typeof bad === 'string' ? { outcome: 'bad', name: row.name, error: bad } : { outcome: 'imported' };
    },
    record: (file) => void imported.run(file.hash, file.name, file.size, file.importedAt, JSON.stringify(file.summary ?? null)),
    recordBad: (file) => void add.run(file.hash, file.name, file.size, file.at, JSON.stringify({ bad_file: file.error })),
  };
}
