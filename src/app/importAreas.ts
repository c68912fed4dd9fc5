/**
 * Use case: the campaign's map of polling stations onto areas (`turnout import areas FILE`).
 * Official lists give each voter a bureau (precinct) and no quartier; campaigns group bureaux into
 * quartiers themselves, and `status` and `remind` work by quartier. The file is the whole map: it
 * replaces the one stored before. Every voter in a mapped precinct takes its area at once, and
 * again at each later `import voters` of a file without an area column (a fresh list export keeps
 * its voters in their quartiers; a voter who moved bureau moves quartier). The tallies follow
 * through the triggers of migration 004. One transaction: a failure, or --dry-run, changes nothing.
 */
import { DataError } from '../core/errors.js';
import { mapHeaders, VOTER_SYNONYMS } from '../core/mapping.js';
import type { CheckFileReading } from './importChecks.js';
import type { RejectedRow, RejectSink } from './importVoters.js';
import type { Awaitable, Reporter } from './ports.js';
import { failIfStrict, recordReject } from './rejected.js';

export type AreaFileReading = CheckFileReading;

export type AreaField = 'precinct' | 'neighborhood';

/** How an areas file names its two columns (the REU's own bureau header included). */
export const AREA_SYNONYMS: Record<AreaField, readonly string[]> = {
  precinct: [...VOTER_SYNONYMS.precinct, 'code du bureau de vote', 'code du bureau', 'polling station'],
  neighborhood: VOTER_SYNONYMS.neighborhood,
};

/** A precinct with voters that the map does not place in any area. */
export interface UnmappedPrecinct {
  precinct: string;
  voters: number;
}

/**
 * The part of the database this use case reads and writes; all calls inside begin() … commit()/rollback().
 * Values on SQLite, promises on PostgreSQL (Awaitable).
 */
export interface AreaImportStore {
  begin(): Awaitable<void>;
  commit(): Awaitable<void>;
  rollback(): Awaitable<void>;
  /** Replaces the stored map with these [precinct, area] pairs; returns how many precincts it had. */
  replaceAreas(pairs: ReadonlyArray<readonly [string, string]>): Awaitable<number>;
  /** Sets each voter's neighborhood from its precinct's area where they differ; returns how many moved. */
  applyAreas(): Awaitable<number>;
  /** Precincts that have voters but no area in the map (the first `limit`), and how many such precincts. */
  unmappedPrecincts(limit: number): Awaitable<{ count: number; first: UnmappedPrecinct[] }>;
}

export interface ImportAreasOptions {
  map?: Partial<Record<AreaField, string>>;
  dryRun?: boolean;
  strict?: boolean;
  rejects?: RejectSink;
  keepRejects?: number;
}

export interface ImportAreasSummary {
  file: string;
  delimiter: string;
  encoding: string;
  mapped: Record<AreaField, string>;
  read: number;
  precincts: number;
  areas: number;
  /** Precincts the map had before this file. */
  previousPrecincts: number;
  rejected: number;
  firstRejects: RejectedRow[];
  /** Voters whose neighborhood changed. */
  votersMoved: number;
  unmapped: { count: number; first: UnmappedPrecinct[] };
  dryRun: boolean;
}

export interface ImportAreasPorts {
  store: AreaImportStore;
  reporter: Reporter;
}

export async function importAreas(ports: ImportAreasPorts, reading: AreaFileReading, options: ImportAreasOptions = {}): Promise<ImportAreasSummary> {
  const { store, reporter } = ports;
  const mapping = mapHeaders(reading.headers, AREA_SYNONYMS, options.map ?? {});
  const missing = (['precinct', 'neighborhood'] as const).filter((f) => mapping.fields[f] === undefined);
  if (missing.length > 0) {
    throw new DataError(`no ${missing.map((f) => (f === 'precinct' ? 'precinct (bureau)' : 'area (quartier)')).join(' and no ')} column found`, {
      where: { file: reading.file, line: 1 },
      hint: `The headers are: ${reading.headers.map((h) => JSON.stringify(h)).join(', ')}. Name them with --map precinct=… --map neighborhood=… (e.g. --map neighborhood=Secteur).`,
    });
  }
  const precinctAt = mapping.fields.precinct!;
  const areaAt = mapping.fields.neighborhood!;
  const summary: ImportAreasSummary = {
    file: reading.file,
    delimiter: reading.delimiter,
    encoding: reading.encoding,
    mapped: { precinct: reading.headers[precinctAt]!, neighborhood: reading.headers[areaAt]! },
    read: 0,
    precincts: 0,
    areas: 0,
    previousPrecincts: 0,
    rejected: 0,
    firstRejects: [],
    votersMoved: 0,
    unmapped: { count: 0, first: [] },
    dryRun: options.dryRun === true,
  };
  const rejectContext = { file: reading.file, headers: reading.headers, keep: options.keepRejects ?? 5, reporter, sink: options.rejects };
  /** Precinct → its area and the line that gave it. */
  const map = new Map<string, { area: string; line: number }>();
  let open = false;
  try {
    for await (const batch of reading.rows) {
      for (const row of batch) {
        summary.read++;
        const precinct = (row.fields[precinctAt] ?? '').trim();
        const area = (row.fields[areaAt] ?? '').trim();
        if (precinct === '' || area === '') {
          await recordReject(summary, { line: row.line, reason: precinct === '' ? 'no precinct (bureau)' : `no area (quartier) for precinct "${precinct}"`, fields: row.fields }, rejectContext);
          continue;
        }
        const seen = map.get(precinct);
        if (seen === undefined) map.set(precinct, { area, line: row.line });
        else if (seen.area !== area) {
          // Which one the campaign meant cannot be guessed: nothing is imported.
          throw new DataError(`precinct "${precinct}" is given two areas: "${seen.area}" on line ${seen.line} and "${area}" on line ${row.line}`, {
            where: { file: reading.file, line: row.line },
            hint: 'A precinct (bureau) belongs to one area (quartier): keep one of the two lines.',
          });
        }
      }
    }
    failIfStrict(options.strict, summary, reading.file);
    summary.precincts = map.size;
    summary.areas = new Set([...map.values()].map((v) => v.area)).size;
    await store.begin();
    open = true;
    summary.previousPrecincts = await store.replaceAreas([...map.entries()].map(([precinct, v]) => [precinct, v.area] as const));
    summary.votersMoved = await store.applyAreas();
    summary.unmapped = await store.unmappedPrecincts(5);
    if (summary.dryRun) await store.rollback();
    else await store.commit();
    open = false;
    return summary;
  } finally {
    if (open) await store.rollback();
    await options.rejects?.close();
  }
}
