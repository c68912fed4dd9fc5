/**
 * Worker thread of a voter import: decodes, parses, maps, normalizes phones and finds duplicate
 * ids while the main thread writes the previous batches to SQLite. Driven by the main thread
 * (src/io/voterFile.ts): it reads (or asks for input, "need") only while fewer than MAX_IN_FLIGHT
 * batches wait to be written, so memory stays flat whatever the file's size. The main thread counts
 * the batches it has taken in shared memory (`taken`): reading a file, this thread waits on that
 * counter (Atomics.wait) instead of being sent an "ack" message per batch: 4,000 messages for 1M
 * voters cost the main thread, the import's bottleneck, ~0.2 s.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { IdSet } from '../core/idSet.js';
import { mapHeaders, normalizeHeader, VOTER_SYNONYMS } from '../core/mapping.js';
import { detectLayout, listTypeFilter, type VoterKey } from '../core/listLayout.js';
import { phoneNormalizer } from '../core/phone.js';
import { voterPreparer, VOTER_ROW_COLUMNS, type VoterPreparer } from '../core/voterRecord.js';
import { VoterTally, type VoterTallyRow } from '../core/voterTally.js';
import { DataError, TurnoutError } from '../core/errors.js';
import type { VoterField } from '../core/fields.js';
import type { ListTypeCount, RejectedRow, VoterBatchForm, VoterFileHeader } from '../app/importVoters.js';
import { copyRows } from '../core/copyText.js';
import { JsonbBatch } from '../core/jsonbRows.js';
import { CsvTable } from './csv/table.js';
import { REJECT_COLUMNS } from './rejectColumns.js';
import type { CsvRecord } from './csv/parser.js';
import { countNewlines, type EncodingChoice } from './csv/decode.js';

export interface VoterWorkerData {
  file: string;
  /** Read this file here, without waiting on the main thread; else the main thread sends the bytes. */
  path: string | undefined;
  delimiter: string | undefined;
  encoding: EncodingChoice;
  region: string | undefined;
  map: Partial<Record<VoterField, string>>;
  batchRows: number;
  /** --key: how rows name voters; undefined: from the layout (official lists by precinct + list number), else id. */
  key: VoterKey | undefined;
  /** --lists: the list types that count; undefined: all. */
  lists: string[] | undefined;
  /** The text each batch goes as, written here (see VoterBatchForm). */
  form: VoterBatchForm;
  /** One Int32: the batches the main thread has taken so far. */
  taken: SharedArrayBuffer;
}

export type ToWorker = { type: 'chunk'; data: Uint8Array } | { type: 'end' } | { type: 'ack' };
export type FromWorker =
  | { type: 'need' }
  | { type: 'header'; header: VoterFileHeader }
  | {
      type: 'batch';
      /** The batch in the form asked for (one string or buffer crosses between threads far faster than an array). */
      data: string | Uint8Array;
      rows: number;
      /** See VoterRows.ascending. */
      ascending: boolean;
      rejects: RejectedRow[];
      read: number;
      phonesInvalid: number;
      badScores: number;
      badBirthDates: number;
      /** Rows left out because their list type does not count (--lists). */
      skipped: number;
    }
  /** The end, with the tally of every row sent (see VoterFileReading.tally) and the rows per list type. */
  | { type: 'done'; tally: VoterTallyRow[]; listTypes: ListTypeCount[] }
  | { type: 'error'; error: SerializedError };

export interface SerializedError {
  kind: string;
  message: string;
  hint?: string;
  where?: { file: string; line?: number; column?: number };
  exitCode?: number;
}


const MAX_IN_FLIGHT = 3;
const port = parentPort!;
const options = workerData as VoterWorkerData;
const table = new CsvTable(options.file, { delimiter: options.delimiter, encoding: options.encoding });
/** Created when the first bytes show how long a line is (see expectedRows); for stdin, at the default size. */
let ids: IdSet | undefined;
/**
 * The positions of the columns the file supplies, in the order of the header's suppliedColumns:
 * only those travel to the writer and are bound (a plain voter file leaves the official lists'
 * ten columns out; binding them as NULLs cost ~25 % of a 1M-voter import).
 */
let emitted: number[] = [];
const NEIGHBORHOOD = VOTER_ROW_COLUMNS.indexOf('neighborhood');
const PRECINCT = VOTER_ROW_COLUMNS.indexOf('precinct');
const SUPPORT = VOTER_ROW_COLUMNS.indexOf('support');
const LIST_TYPE = VOTER_ROW_COLUMNS.indexOf('list_type');
const LIST_NUMBER = VOTER_ROW_COLUMNS.indexOf('list_number');
const countsList = listTypeFilter(options.lists);
/** List type → rows read of it, and whether it counts. */
const listTypes = new Map<string, ListTypeCount>();
let byList = false;
// Counted here, on this thread, for a first load (see src/core/voterTally.ts).
const tally = new VoterTally();
let preparer: VoterPreparer | undefined;
/** The batch being gathered: its values (COPY text), or its JSONB written as each row comes. */
let values: Array<string | null> = [];
const jsonb = options.form === 'jsonb-rows' ? new JsonbBatch() : undefined;
let rows = 0;
/** The last id sent, and whether the ids of the batch being filled ascend from it (see VoterRows.ascending). */
let lastId: string | undefined;
let ascending = true;
let rejects: RejectedRow[] = [];
let read = 0;
let phonesInvalid = 0;
let badScores = 0;
let badBirthDates = 0;
let skipped = 0;
/** Batches posted; those not yet taken (see inFlight) are waiting to be written. */
let sent = 0;
const taken = new Int32Array(options.taken);
const inFlight = (): number => sent - Atomics.load(taken, 0);
let wantInput = false;
let failed = false;

function post(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

function setUp(): void {
  const header = table.header!;
  const layout = detectLayout(header.names);
  // The layout's mapping under the user's --map: a field or a header the user mapped is theirs.
  const userHeaders = new Set(Object.values(options.map).map((h) => normalizeHeader(h!)));
  const map: Partial<Record<VoterField, string>> = {};
  for (const [field, name] of Object.entries(layout.map) as Array<[VoterField, string]>) {
    if (options.map[field] === undefined && !userHeaders.has(normalizeHeader(name))) map[field] = name;
  }
  Object.assign(map, options.map);
  const notKept = layout.notKept.filter((h) => !userHeaders.has(normalizeHeader(h)));
  const ignore = [...REJECT_COLUMNS, ...notKept, ...(layout.suffixHeader === undefined ? [] : [layout.suffixHeader])];
  const mapping = mapHeaders(header.names, VOTER_SYNONYMS, map, ignore);
  const headers = `The headers are: ${header.names.map((h) => JSON.stringify(h)).join(', ')}.`;
  // Official lists have no voter id: their voters are their precinct and number on the list,
  // unless the user says otherwise or a register also has an id column.
  const key: VoterKey = options.key ?? (layout.name === 'reu' || (layout.name === 'register' && mapping.fields.id === undefined) ? 'precinct,list_number' : 'id');
  if (key === 'id' && mapping.fields.id === undefined) {
    throw new DataError('no voter id column found', {
      where: { file: options.file, line: header.line },
      hint:
        header.names.length === 1
          ? `The header line reads as one column (${JSON.stringify(header.names[0])}): is the --delimiter right? Leave it out to detect it.`
          : mapping.fields.precinct !== undefined && mapping.fields.list_number !== undefined
            ? `${headers} Without ids, key voters by their precinct and list number: --key precinct,list_number.`
            : `${headers} Name the id column with --map id="<header>", or key voters with --key precinct,list_number.`,
    });
  }
  if (key === 'precinct,list_number' && (mapping.fields.precinct === undefined || mapping.fields.list_number === undefined)) {
    throw new DataError(`--key precinct,list_number but no ${mapping.fields.precinct === undefined ? 'precinct' : 'list number'} column found`, {
      where: { file: options.file, line: header.line },
      hint: `${headers} Use --map precinct="<header>" --map list_number="<header>".`,
    });
  }
  byList = key === 'precinct,list_number';
  const suffixIndex = layout.suffixHeader === undefined ? undefined : header.names.indexOf(layout.suffixHeader);
  preparer = voterPreparer(mapping, phoneNormalizer(options.region), { key, suffixIndex });
  emitted = preparer.suppliedColumns.map((column) => VOTER_ROW_COLUMNS.indexOf(column));
  const mapped: Record<string, string> = {};
  for (const [field, index] of Object.entries(mapping.fields)) mapped[field] = header.names[index as number]!;
  post({
    type: 'header',
    header: {
      file: options.file,
      headers: header.names,
      delimiter: header.delimiter,
      encoding: header.encoding,
      mapped,
      extras: [...preparer.extraNames],
      suppliedColumns: [...preparer.suppliedColumns],
      layout: layout.name,
      layoutLabel: layout.label,
      key,
      notKept,
    },
  });
}

function take(records: CsvRecord[]): void {
  if (!preparer && table.header) setUp();
  const p = preparer;
  if (!p) return;
  for (const record of records) {
    read++;
    const prepared = p.prepare(record.fields);
    if (typeof prepared === 'string') {
      rejects.push({ line: record.line, reason: prepared, fields: record.fields });
      continue;
    }
    const v = prepared.values;
    const listType = v[LIST_TYPE] as string | null;
    let listCount: ListTypeCount | undefined;
    if (listType !== null) {
      listCount = listTypes.get(listType);
      if (listCount === undefined) listTypes.set(listType, (listCount = { listType, voters: 0, counted: countsList === undefined || countsList(listType) }));
      if (!listCount.counted) {
        listCount.voters++;
        skipped++;
        continue;
      }
    }
    const id = v[0] as string;
    ids ??= new IdSet();
    const first = ids.add(id, record.line);
    if (first !== 0) {
      const reason = byList
        ? `duplicate list number "${v[LIST_NUMBER]}" in precinct "${v[PRECINCT]}" (lines ${first} and ${record.line})`
        : `duplicate voter id "${id}" (first on line ${first})`;
      rejects.push({ line: record.line, reason, fields: record.fields });
      continue;
    }
    if (listCount !== undefined) listCount.voters++;
    tally.add(v[NEIGHBORHOOD] as string | null, v[PRECINCT] as string | null, v[SUPPORT] as number | null);
    if (jsonb !== undefined) jsonb.add(v, emitted);
    else {
      for (let c = 0; c < emitted.length; c++) {
        const value = v[emitted[c]!] ?? null;
        values.push(typeof value === 'number' ? String(value) : value);
      }
    }
    if (lastId !== undefined && !(id > lastId)) ascending = false;
    lastId = id;
    rows++;
    if (prepared.phoneInvalid) phonesInvalid++;
    if (prepared.badScore) badScores++;
    if (prepared.badBirthDate) badBirthDates++;
    if (rows >= options.batchRows) flush();
  }
}

function flush(): void {
  if (read === 0 && rejects.length === 0) return;
  const data = jsonb !== undefined ? jsonb.take() : copyRows(values, rows, emitted.length);
  post(
    {
      type: 'batch',
      data,
      rows,
      ascending,
      rejects,
      read,
      phonesInvalid,
      badScores,
      badBirthDates,
      skipped,
    },
    // Bytes move to the main thread without a copy.
    typeof data === 'string' ? undefined : [data.buffer as ArrayBuffer],
  );
  sent++;
  values = [];
  rows = 0;
  ascending = true;
  rejects = [];
  read = 0;
  phonesInvalid = 0;
  badScores = 0;
  badBirthDates = 0;
  skipped = 0;
}

/**
 * Read size. 64 KiB, not 1 MiB: V8 puts every object above 128 KiB (a decoded 1 MiB chunk, a big
 * joined batch) in its large-object space, mmap'd and munmap'd one by one, and each of its pages
 * faults anew: that was most of the import's system time (see the commit for figures).
 */
const CHUNK = 1 << 16;
let fd: number | undefined;
let readBuffer: Buffer | undefined;

/** Reads and parses the file while fewer than MAX_IN_FLIGHT batches wait to be written. */
function pump(): void {
  fd ??= fs.openSync(options.path!, 'r');
  readBuffer ??= Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const seen = Atomics.load(taken, 0);
    if (sent - seen >= MAX_IN_FLIGHT) {
      // Until the main thread takes a batch (it notifies); the timeout only bounds a missed wake-up.
      Atomics.wait(taken, 0, seen, 1000);
      continue;
    }
    const n = fs.readSync(fd, readBuffer, 0, CHUNK, null);
    if (n === 0) {
      fs.closeSync(fd);
      take(table.end());
      flush();
      post({ type: 'done', tally: tally.rows(), listTypes: [...listTypes.values()] });
      return;
    }
    const bytes = readBuffer.subarray(0, n);
    ids ??= new IdSet(expectedRows(fd, bytes));
    take(table.push(bytes));
  }
}

/** Ids the table is made ready for at most (4M: 100 MB); beyond, it grows as it fills. */
const PRESIZE_MAX = 4_000_000;

/**
 * About how many rows the file has: its size over the length of the lines in its first chunk, at
 * most PRESIZE_MAX. Only sizes the duplicate-id table: a guess too low costs the rehash growing
 * always cost; no margin is added, because one that crosses a power of two doubles the table (at
 * 3M rows, 50 MB more than growing would reach, measured as peak memory). The cap keeps a first
 * chunk of unusually short lines (blank ones, say) from sizing a huge file's table at gigabytes.
 */
function expectedRows(file: number, first: Uint8Array): number {
  const lines = countNewlines(first);
  if (lines === 0) return 0;
  return Math.min(PRESIZE_MAX, Math.ceil((fs.fstatSync(file).size / first.length) * lines));
}

function askForInput(): void {
  if (options.path !== undefined) {
    pump();
    return;
  }
  if (inFlight() < MAX_IN_FLIGHT) {
    wantInput = false;
    post({ type: 'need' });
  } else {
    wantInput = true;
  }
}

function serialize(error: unknown): SerializedError {
  if (error instanceof TurnoutError) {
    return { kind: error.name, message: error.message, hint: error.hint, where: error.where, exitCode: error.exitCode };
  }
  return { kind: 'Error', message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) };
}

port.on('message', (message: ToWorker) => {
  if (failed) return;
  try {
    switch (message.type) {
      case 'chunk':
        take(table.push(message.data));
        askForInput();
        break;
      case 'end':
        take(table.end());
        flush();
        post({ type: 'done', tally: tally.rows(), listTypes: [...listTypes.values()] });
        break;
      case 'ack':
        // Input from the main thread (stdin): a batch was taken, more input may be asked for.
        if (wantInput) askForInput();
        break;
    }
  } catch (error) {
    failed = true;
    post({ type: 'error', error: serialize(error) });
  }
});

try {
  askForInput();
} catch (error) {
  failed = true;
  post({ type: 'error', error: serialize(error) });
}
