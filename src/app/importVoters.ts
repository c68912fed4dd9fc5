/**
 * Use case: import a voter file. Reading (decoding, parsing, mapping, phone normalization,
 * duplicate detection) happens behind VoterFileReader, on a worker thread in the CLI's
 * implementation; this function writes the batches in one transaction, so a failure anywhere
 * leaves the database as it was, and returns the summary.
 */
import type { VoterRowColumn } from '../core/voterRecord.js';
import type { LayoutName, VoterKey } from '../core/listLayout.js';
import type { VoterTallyRow } from '../core/voterTally.js';
import type { Awaitable, Clock, Reporter } from './ports.js';
import { failIfStrict, recordReject } from './rejected.js';

/** A row left out of the import, with the line it starts on and its cells as read. */
export interface RejectedRow {
  line: number;
  reason: string;
  fields: string[];
}

export interface VoterFileHeader {
  /** The file's name as shown in messages ("-" is "stdin"). */
  file: string;
  headers: string[];
  delimiter: string;
  encoding: string;
  /** Standard field → header it was read from. */
  mapped: Record<string, string>;
  /** Other columns, kept in `extra` by header, in file order. */
  extras: string[];
  /** Stored columns the file supplies; an update changes only these (and merges extras). */
  suppliedColumns: VoterRowColumn[];
  /** The layout recognized from the headers (see src/core/listLayout.ts). */
  layout: LayoutName;
  layoutLabel: string;
  /** How voters are named: by id, or by precinct + list number (id `<precinct>/<list_number>`). */
  key: VoterKey;
  /** Columns of a known layout that are not kept (the REU's administrative columns). */
  notKept: string[];
}

export interface ListTypeCount {
  listType: string;
  /** Voters of this list type imported; for a type that does not count, its rows left out. */
  voters: number;
  /** Whether this list type counts in this election (--lists). */
  counted: boolean;
}

/**
 * The form a store takes each batch in, written on the reading thread so that the writing thread
 * (the import's bottleneck) only passes it on:
 * - 'copy-text': lines of PostgreSQL's COPY text format, streamed on by COPY (src/core/copyText.ts);
 * - 'jsonb-rows': one array of rows in SQLite's binary JSON, unpacked in SQL by jsonb_each
 *   (src/core/jsonbRows.ts): one value bound per batch instead of each value split out and bound,
 *   and bytes SQLite reads as they are.
 */
export type VoterBatchForm = 'copy-text' | 'jsonb-rows';

/** What the writer gets of a batch. */
export interface VoterRows {
  /**
   * `rows` voters in the store's VoterBatchForm (the COPY text as a string, JSONB as bytes), each
   * with one value for each of the header's suppliedColumns (in that order; the columns the file
   * does not supply are not sent), as text:
   * none for an empty cell (never stored as ''), numbers as their decimal text (the columns' types
   * convert them).
   */
  data: string | Uint8Array;
  rows: number;
  /**
   * Whether these voters' ids ascend, from the previous batch's last id through this batch: a first
   * load whose ids ascend is an append to an id-ordered table (see the SQLite store).
   */
  ascending: boolean;
}

export interface VoterBatch extends VoterRows {
  rejects: RejectedRow[];
  /** Data rows read from the file for this batch (accepted + rejected). */
  read: number;
  phonesInvalid: number;
  badScores: number;
  /** Birth dates kept as written but not dates. */
  badBirthDates: number;
  /** Rows left out because their list type does not count (--lists). */
  skipped: number;
}

/** An open voter file being read. */
export interface VoterFileReading {
  header: VoterFileHeader;
  batches: AsyncIterable<VoterBatch>;
  /**
   * Voters per (neighborhood, precinct, support) over every row of every batch, once `batches`
   * has ended (counted while reading, off the thread that writes).
   */
  tally(): VoterTallyRow[];
  /** Rows per list type, once `batches` has ended (empty when the file has no list type). */
  listTypes(): ListTypeCount[];
  /** Stops reading early and frees what the reading holds. Safe to call twice. */
  close(): Promise<void>;
}

/** The part of the database this use case writes. All calls happen inside begin() … commit()/rollback(). */
export interface VoterImportStore {
  begin(): Awaitable<void>;
  commit(): Awaitable<void>;
  rollback(): Awaitable<void>;
  countVoters(): Awaitable<number>;
  /** Records new extra column names after the known ones (file order). */
  addExtraColumns(names: readonly string[]): Awaitable<void>;
  /**
   * Prepares the upsert for this file's columns; the writer returns how many voters it inserted or
   * changed (a store that streams the batches, as PostgreSQL's COPY does, may count them only in
   * endVoterWrites).
   */
  voterWriter(supplied: readonly VoterRowColumn[], extras: readonly string[]): (batch: VoterRows) => Awaitable<number>;
  /** The form this store takes batches in; the reader is opened with it. */
  readonly batchForm: VoterBatchForm;
  /** After the last batch: finishes the writes; returns the voters inserted or changed not yet counted by the writer. */
  endVoterWrites(): Awaitable<number>;
  /**
   * Called before and after loading when the table was empty: lets the store defer index building
   * and the triggers that keep the voter tally; `after` gets the tally of the rows written.
   */
  bulkLoad(phase: 'before' | 'after', tally?: readonly VoterTallyRow[]): Awaitable<void>;
  /** Turns stored unmatched checks whose voter now exists into checks; returns how many. */
  applyUnmatchedChecks(): Awaitable<number>;
  /**
   * When the campaign has mapped precincts onto areas (`turnout import areas`): sets each voter's
   * neighborhood from its precinct; returns how many changed, or undefined when there is no map.
   */
  applyAreas(): Awaitable<number | undefined>;
}

export interface RejectSink {
  write(header: readonly string[], row: RejectedRow): void | Promise<void>;
  close(): Promise<void>;
}

export interface ImportVotersOptions {
  dryRun?: boolean;
  strict?: boolean;
  /** Where to write every rejected row; none: rejects are only counted and the first listed. */
  rejects?: RejectSink;
  /** How many rejects to list (reporter.warn) and keep in the summary. */
  keepRejects?: number;
}

export interface ImportVotersSummary {
  file: string;
  delimiter: string;
  encoding: string;
  mapped: Record<string, string>;
  extras: string[];
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  phonesInvalid: number;
  /** Turnout scores outside 0–100 or not numbers, left empty. */
  badScores: number;
  /** Birth dates kept as written, flagged birth_date_valid = 0. */
  badBirthDates: number;
  layout: LayoutName;
  layoutLabel: string;
  key: VoterKey;
  notKept: string[];
  /** Rows left out because their list type does not count (--lists). */
  skipped: number;
  listTypes: ListTypeCount[];
  /** Earlier unmatched poll checks that this import's voters matched. */
  checksApplied: number;
  /** Voters put in (or moved to) their precinct's area by the stored map; undefined: not applied (no map, or the file has its own area column). */
  areasApplied?: number;
  /** The first rejects, for display. */
  firstRejects: RejectedRow[];
  dryRun: boolean;
}

export interface ImportVotersPorts {
  store: VoterImportStore;
  reporter: Reporter;
  clock?: Clock;
}

export async function importVoters(ports: ImportVotersPorts, reading: VoterFileReading, options: ImportVotersOptions = {}): Promise<ImportVotersSummary> {
  const { store, reporter } = ports;
  const { header } = reading;
  const keep = options.keepRejects ?? 5;
  const summary: ImportVotersSummary = {
    file: header.file,
    delimiter: header.delimiter,
    encoding: header.encoding,
    mapped: header.mapped,
    extras: header.extras,
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    phonesInvalid: 0,
    badScores: 0,
    badBirthDates: 0,
    layout: header.layout,
    layoutLabel: header.layoutLabel,
    key: header.key,
    notKept: header.notKept,
    skipped: 0,
    listTypes: [],
    checksApplied: 0,
    firstRejects: [],
    dryRun: options.dryRun === true,
  };
  const rejectContext = { file: header.file, headers: header.headers, keep, reporter, sink: options.rejects };
  let open = false;
  try {
    await store.begin();
    open = true;
    const before = await store.countVoters();
    const bulk = before === 0;
    if (bulk) await store.bulkLoad('before');
    await store.addExtraColumns(header.extras);
    const write = store.voterWriter(header.suppliedColumns, header.extras);
    let changed = 0;
    let accepted = 0;
    for await (const batch of reading.batches) {
      if (batch.rows > 0) changed += await write(batch);
      accepted += batch.rows;
      summary.read += batch.read;
      summary.phonesInvalid += batch.phonesInvalid;
      summary.badScores += batch.badScores;
      summary.badBirthDates += batch.badBirthDates;
      summary.skipped += batch.skipped;
      for (const reject of batch.rejects) await recordReject(summary, reject, rejectContext);
      reporter.progress({ task: 'importing voters', done: summary.read, unit: 'rows' });
    }
    changed += await store.endVoterWrites();
    if (bulk) await store.bulkLoad('after', reading.tally());
    summary.listTypes = reading.listTypes();
    summary.inserted = (await store.countVoters()) - before;
    summary.updated = changed - summary.inserted;
    summary.unchanged = accepted - changed;
    failIfStrict(options.strict, summary, header.file);
    // A file with its own area column says where its voters are; otherwise (official lists have
    // none) the campaign's map of precincts onto areas does, for new voters and voters who moved.
    if (!header.suppliedColumns.includes('neighborhood')) {
      const moved = await store.applyAreas();
      if (moved !== undefined) summary.areasApplied = moved;
    }
    summary.checksApplied = await store.applyUnmatchedChecks();
    if (summary.dryRun) await store.rollback();
    else await store.commit();
    open = false;
    return summary;
  } finally {
    if (open) await store.rollback();
    await reading.close();
    await options.rejects?.close();
  }
}
