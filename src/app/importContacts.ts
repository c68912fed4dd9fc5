/**
 * Use case: link a campaign's contact file (NationBuilder, Qomon, a spreadsheet) onto the voters
 * already imported from the official list, adding phone, e-mail, support, turnout score and any
 * extra column. Each row is matched by the strongest key it has: voter id, else precinct + list
 * number, else identity (last name in use or at birth + first given name + birth date, compared
 * loosely: see src/core/identity.ts). `name` (no birth date) only when asked for. A row matching
 * several voters is not applied (ambiguous); two rows on one voter: the later wins. One
 * transaction: a failure, or --dry-run, leaves the database as it was.
 */
import { availableRules, contactPreparer, ruleFor, type ContactColumn, type ContactKeys, type ContactRule, type PreparedContact } from '../core/contact.js';
import { DataError, UsageError } from '../core/errors.js';
import { firstGivenName, lastNameMatches, normalizeName } from '../core/identity.js';
import { CONTACT_SYNONYMS, mapHeaders, type ContactField } from '../core/mapping.js';
import type { PhoneNormalizer } from '../core/phone.js';
import type { CheckFileReading } from './importChecks.js';
import type { RejectedRow, RejectSink } from './importVoters.js';
import type { Awaitable, Reporter } from './ports.js';
import { failIfStrict, recordReject } from './rejected.js';

export type ContactFileReading = CheckFileReading;

export interface IdentityCandidate {
  id: string;
  last_name: string | null;
  birth_name: string | null;
}

export interface VoterName extends IdentityCandidate {
  first_name: string | null;
}

/**
 * The part of the database this use case reads and writes; all calls inside begin() … commit()/rollback().
 * Values on SQLite, promises on PostgreSQL (Awaitable): each is one statement per batch either way.
 */
export interface ContactImportStore {
  begin(): Awaitable<void>;
  commit(): Awaitable<void>;
  rollback(): Awaitable<void>;
  /** Which of these voter ids exist (a batch's, looked up together). */
  votersWithIds(ids: readonly string[]): Awaitable<Set<string>>;
  /** For each [precinct, list number], its voters in id order (at most 2: one is enough to know it is ambiguous). */
  votersAtPlaces(places: ReadonlyArray<readonly [string, string]>): Awaitable<string[][]>;
  /** Voters by identity_key ("marie|1962-03-14"), with their last names, for each of `keys` that has any. */
  votersWithIdentities(keys: readonly string[]): Awaitable<Map<string, IdentityCandidate[]>>;
  /** Every voter's names, for --match name. */
  everyVoterName(): Awaitable<Iterable<VoterName> | AsyncIterable<VoterName>>;
  /**
   * The current `columns` of these voters (ids in sorted order, a few hundred at a time): voter id →
   * [id, ...values in the order of columns], as update takes them.
   */
  currentOf(ids: readonly string[], columns: readonly ContactColumn[]): Awaitable<Map<string, ContactRow>>;
  /** Sets `columns` of each voter: rows are [id, ...values in the order of columns]. */
  update(columns: readonly ContactColumn[], rows: readonly ContactRow[]): Awaitable<void>;
  addExtraColumns(names: readonly string[]): Awaitable<void>;
}

/** A voter's contact columns as the store reads and writes them: [id, ...values in the order of the columns named]. */
export type ContactRow = ReadonlyArray<string | number | null>;

export interface ImportContactsOptions {
  /** --match: one rule only; default: the strongest the file's columns allow, per row. */
  match?: ContactRule;
  map?: Partial<Record<ContactField, string>>;
  dryRun?: boolean;
  strict?: boolean;
  /** Rejected rows (bad support…). */
  rejects?: RejectSink;
  /** Ambiguous and unmatched rows, with the reason for each. */
  unmatched?: RejectSink;
  keepRejects?: number;
}

export interface ImportContactsSummary {
  file: string;
  delimiter: string;
  encoding: string;
  /** The rules tried, strongest first. */
  rules: ContactRule[];
  mapped: Record<string, string>;
  extras: string[];
  /** Columns that copy the voter list's own fields (address, areas): not stored. */
  ignored: string[];
  read: number;
  matched: Record<ContactRule, number>;
  ambiguous: number;
  unmatched: number;
  rejected: number;
  /** Voters named by two or more rows: the later row was applied. */
  namedTwice: number;
  votersUpdated: number;
  votersUnchanged: number;
  /** Field → voters whose value changed. */
  fieldsUpdated: Record<string, number>;
  phonesInvalid: number;
  badScores: number;
  firstRejects: RejectedRow[];
  firstUnmatched: RejectedRow[];
  dryRun: boolean;
}

export interface ImportContactsPorts {
  store: ContactImportStore;
  reporter: Reporter;
  normalizePhone: PhoneNormalizer;
}

/** `--match` as typed → a rule; usage error otherwise. */
export function parseContactRule(text: string | undefined): ContactRule | undefined {
  if (text === undefined) return undefined;
  const rule = text.trim().toLowerCase();
  if (rule === 'id' || rule === 'list' || rule === 'identity' || rule === 'name') return rule;
  if (rule === 'precinct,list_number') return 'list';
  throw new UsageError(`--match must be id, list, identity or name, not "${text}"`, {
    hint: 'id: voter ids; list: precinct + list number; identity: last name, first name and birth date; name: last and first name only (weaker).',
  });
}

const RULE_COLUMNS: Record<ContactRule, string> = {
  id: 'a voter id column',
  list: 'precinct and list number columns',
  identity: 'last name, first name and birth date columns',
  name: 'last name and first name columns',
};

const RULE_LABEL: Record<ContactRule, string> = {
  id: 'voter id',
  list: 'precinct and list number',
  identity: 'name and birth date',
  name: 'last and first name',
};

type Match = { ids: string[] } | { reason: string };

/** Voters read and written per statement. */
const WRITE_SLICE = 500;

/**
 * Contacts prepared, looked up and matched together. Smaller than a read batch (a 64 KiB chunk,
 * some 1,600 rows of a contact export): what a slice holds (its rows, their keys, the voters
 * found) is still alive when the young generation is collected, so large slices were copied and
 * promoted rather than dropped. On the 1M-voter bench, 1,600 -> 200 rows: garbage collection
 * 0.41-0.50 s -> 0.24-0.29 s, peak memory 225 -> 190 MB; the extra statements cost nothing seen.
 */
const LINK_SLICE = 200;

/** The reading's batches cut into slices of at most `size` rows. */
async function* readingSlices<T>(batches: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  for await (const batch of batches) {
    if (batch.length <= size) yield batch;
    else for (let start = 0; start < batch.length; start += size) yield batch.slice(start, start + size);
  }
}

export async function importContacts(ports: ImportContactsPorts, reading: ContactFileReading, options: ImportContactsOptions = {}): Promise<ImportContactsSummary> {
  const { store, reporter } = ports;
  const mapping = mapHeaders(reading.headers, CONTACT_SYNONYMS, options.map ?? {}, ['reject_line', 'reject_reason']);
  const preparer = contactPreparer(mapping, ports.normalizePhone);
  const available = availableRules(mapping.fields);
  const listHeaders = `The headers are: ${reading.headers.map((h) => JSON.stringify(h)).join(', ')}.`;
  let rules: ContactRule[];
  if (options.match !== undefined) {
    if (!available.includes(options.match)) {
      throw new DataError(`--match ${options.match} needs ${RULE_COLUMNS[options.match]}`, {
        where: { file: reading.file, line: 1 },
        hint: `${listHeaders} Name them with --map (e.g. --map birth_date="Date of birth").`,
      });
    }
    rules = [options.match];
  } else {
    rules = available.filter((r) => r !== 'name');
    if (rules.length === 0) {
      throw new DataError('no column names voters: no voter id, no precinct + list number, no last name + first name + birth date', {
        where: { file: reading.file, line: 1 },
        hint: available.includes('name')
          ? `${listHeaders} The file has names but no birth dates: --match name links on last and first name alone (weaker).`
          : `${listHeaders} Name the columns with --map id=…, or --map last_name=… --map first_name=… --map birth_date=….`,
      });
    }
  }
  const mapped: Record<string, string> = {};
  for (const [field, index] of Object.entries(mapping.fields)) mapped[field] = reading.headers[index as number]!;
  const keep = options.keepRejects ?? 5;
  const summary: ImportContactsSummary = {
    file: reading.file,
    delimiter: reading.delimiter,
    encoding: reading.encoding,
    rules,
    mapped,
    extras: [...preparer.extraNames],
    ignored: [...preparer.ignored],
    read: 0,
    matched: { id: 0, list: 0, identity: 0, name: 0 },
    ambiguous: 0,
    unmatched: 0,
    rejected: 0,
    namedTwice: 0,
    votersUpdated: 0,
    votersUnchanged: 0,
    fieldsUpdated: {},
    phonesInvalid: 0,
    badScores: 0,
    firstRejects: [],
    firstUnmatched: [],
    dryRun: options.dryRun === true,
  };
  const rejectContext = { file: reading.file, headers: reading.headers, keep, reporter, sink: options.rejects };
  let unmatchedListed = 0;
  const notApplied = async (row: { fields: string[]; line: number }, reason: string): Promise<void> => {
    const entry = { line: row.line, reason, fields: row.fields };
    if (unmatchedListed < keep) {
      unmatchedListed++;
      summary.firstUnmatched.push(entry);
      reporter.warn(`${reading.file}:${row.line}: not applied: ${reason}`);
    }
    if (options.unmatched) await options.unmatched.write(reading.headers, entry);
  };

  let names: Map<string, string[]> | undefined;
  const nameIndex = async (): Promise<Map<string, string[]>> => {
    if (names) return names;
    names = new Map();
    for await (const v of await store.everyVoterName()) {
      const first = v.first_name === null ? '' : normalizeName(firstGivenName(v.first_name));
      if (first === '') continue;
      for (const last of new Set([v.last_name, v.birth_name].map((n) => (n === null ? '' : normalizeName(n))))) {
        if (last === '') continue;
        const key = `${last}|${first}`;
        const ids = names.get(key);
        if (ids) ids.push(v.id);
        else names.set(key, [v.id]);
      }
    }
    return names;
  };
  /** Identity candidates, existing ids and voters per place of the batch being linked (looked up together, per batch). */
  let identities = new Map<string, IdentityCandidate[]>();
  let knownIds = new Set<string>();
  let atPlaces = new Map<string, string[]>();
  const placeKey = (precinct: string, listNumber: string): string => `${precinct}\u001f${listNumber}`;
  const find = async (rule: ContactRule, keys: ContactKeys): Promise<Match> => {
    switch (rule) {
      case 'id':
        return { ids: knownIds.has(keys.id!) ? [keys.id!] : [] };
      case 'list':
        return { ids: atPlaces.get(placeKey(keys.precinct!, keys.listNumber!)) ?? [] };
      case 'identity': {
        if (keys.birthDate === undefined) return { reason: `birth date "${keys.badBirthDate}" is not a date (write 14/03/1962 or 1962-03-14)` };
        for (const first of keys.firstNames) {
          const ids = (identities.get(`${first}|${keys.birthDate}`) ?? [])
            .filter((v) => keys.lastNames.some((last) => lastNameMatches(last, v.last_name, v.birth_name)))
            .map((v) => v.id);
          if (ids.length > 0) return { ids };
        }
        return { ids: [] };
      }
      case 'name': {
        const index = await nameIndex();
        for (const first of keys.firstNames) {
          const ids = new Set<string>();
          for (const last of keys.lastNames) for (const id of index.get(`${last}|${first}`) ?? []) ids.add(id);
          if (ids.size > 0) return { ids: [...ids] };
        }
        return { ids: [] };
      }
    }
  };

  let open = false;
  try {
    await store.begin();
    open = true;
    /** What to apply to each voter matched, in file order; sorted by voter id once all are read. */
    const queued: QueuedContact[] = [];
    for await (const batch of readingSlices(reading.rows, LINK_SLICE)) {
      const prepared: Array<{ row: { fields: string[]; line: number }; contact: PreparedContact; rule: ContactRule | undefined }> = [];
      const wanted = new Set<string>();
      const wantedIds = new Set<string>();
      const wantedPlaces = new Map<string, readonly [string, string]>();
      for (const row of batch) {
        summary.read++;
        const contact = preparer.prepare(row.fields);
        if (typeof contact === 'string') {
          await recordReject(summary, { line: row.line, reason: contact, fields: row.fields }, rejectContext);
          continue;
        }
        const rule = ruleFor(contact.keys, rules);
        if (rule === 'identity' && contact.keys.birthDate !== undefined) for (const first of contact.keys.firstNames) wanted.add(`${first}|${contact.keys.birthDate}`);
        if (rule === 'id') wantedIds.add(contact.keys.id!);
        if (rule === 'list') wantedPlaces.set(placeKey(contact.keys.precinct!, contact.keys.listNumber!), [contact.keys.precinct!, contact.keys.listNumber!]);
        prepared.push({ row, contact, rule });
      }
      identities = wanted.size === 0 ? new Map() : await store.votersWithIdentities([...wanted].sort()); // sorted: the index is read in order
      knownIds = wantedIds.size === 0 ? new Set() : await store.votersWithIds([...wantedIds].sort());
      const places = [...wantedPlaces.values()];
      const found = places.length === 0 ? [] : await store.votersAtPlaces(places);
      atPlaces = new Map(places.map(([precinct, listNumber], i) => [placeKey(precinct, listNumber), found[i] ?? []]));
      for (const { row, contact, rule } of prepared) {
        if (contact.phoneInvalid) summary.phonesInvalid++;
        if (contact.badScore) summary.badScores++;
        if (rule === undefined) {
          summary.unmatched++;
          await notApplied(row, `names no voter: no ${rules.map((r) => RULE_LABEL[r]).join(', nor ')}`);
          continue;
        }
        const match = await find(rule, contact.keys);
        if ('reason' in match) {
          summary.unmatched++;
          await notApplied(row, match.reason);
        } else if (match.ids.length === 0) {
          summary.unmatched++;
          await notApplied(row, `unmatched: no voter with this ${RULE_LABEL[rule]}`);
        } else if (match.ids.length > 1) {
          summary.ambiguous++;
          await notApplied(row, `ambiguous: ${match.ids.length} voters have this ${RULE_LABEL[rule]} (${match.ids.slice(0, 5).join(', ')})`);
        } else {
          summary.matched[rule]++;
          // Only what is written is kept (memory: 100,000 contacts queued).
          queued.push({ id: match.ids[0]!, values: contact.values, extras: contact.extras });
        }
      }
      reporter.progress({ task: 'linking contacts', done: summary.read, unit: 'rows' });
    }
    const { latest, namedTwice } = latestPerVoter(queued);
    queued.length = 0;
    summary.namedTwice = namedTwice;
    failIfStrict(options.strict, summary, reading.file);

    await store.addExtraColumns(preparer.extraNames);
    const supplied = preparer.suppliedColumns.filter((c) => c !== 'extra');
    const withExtra = preparer.suppliedColumns.includes('extra');
    // In voter id order, in slices: neighbouring voters share pages, and each slice is read and
    // written by one statement each.
    const columns: ContactColumn[] = withExtra ? [...supplied, 'extra'] : supplied;
    for (let start = 0; start < latest.length; start += WRITE_SLICE) {
      const slice = latest.slice(start, start + WRITE_SLICE);
      const currents = await store.currentOf(
        slice.map((c) => c.id),
        columns,
      );
      const writes: ContactRow[] = [];
      for (const contact of slice) {
        const id = contact.id;
        const current = currents.get(id);
        if (current === undefined) throw new DataError(`voter ${id} vanished during the import`);
        const changedFields = new Set<string>();
        const row: Array<string | number | null> = [id];
        for (const [i, column] of supplied.entries()) {
          const value = contact.values[column] ?? null;
          if (!same(current[i + 1], value)) changedFields.add(column === 'phone_e164' || column === 'phone_valid' ? 'phone' : column);
          row.push(value);
        }
        if (withExtra) {
          const currentExtra = current[supplied.length + 1] ?? null;
          const extra = parseExtra(currentExtra, id);
          let extraChanged = false;
          for (const [name, value] of Object.entries(contact.extras)) {
            const before = extra[name];
            if (value === '') delete extra[name];
            else extra[name] = value;
            if ((before ?? '') !== value) {
              changedFields.add(name);
              extraChanged = true;
            }
          }
          row.push(extraChanged ? (Object.keys(extra).length === 0 ? null : JSON.stringify(extra)) : currentExtra);
        }
        if (changedFields.size === 0) {
          summary.votersUnchanged++;
          continue;
        }
        writes.push(row);
        summary.votersUpdated++;
        for (const field of changedFields) summary.fieldsUpdated[field] = (summary.fieldsUpdated[field] ?? 0) + 1;
      }
      if (writes.length > 0) await store.update(columns, writes);
    }
    if (summary.dryRun) await store.rollback();
    else await store.commit();
    open = false;
    return summary;
  } finally {
    if (open) await store.rollback();
    await options.rejects?.close();
    await options.unmatched?.close();
  }
}

interface QueuedContact extends Pick<PreparedContact, 'values' | 'extras'> {
  /** The voter matched. */
  id: string;
}

/**
 * One contact per voter, in voter id order: the later row when two name the same voter (a stable
 * sort keeps file order among equal ids). Sorting the list once replaced a Map of voter id →
 * contact, whose lookups missed the CPU cache at every one of 100,000 contacts (has, set, then get:
 * about 0.15 s on the 1M-voter bench, against 0.04 s for the sort).
 */
function latestPerVoter(queued: QueuedContact[]): { latest: QueuedContact[]; namedTwice: number } {
  queued.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const latest: QueuedContact[] = [];
  let namedTwice = 0;
  for (let i = 0; i < queued.length; i++) {
    const contact = queued[i]!;
    const next = queued[i + 1];
    if (next !== undefined && next.id === contact.id) continue;
    if (i > 0 && queued[i - 1]!.id === contact.id) namedTwice++;
    latest.push(contact);
  }
  return { latest, namedTwice };
}

function same(a: string | number | null | undefined, b: string | number | null | undefined): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  return typeof a === 'number' || typeof b === 'number' ? Number(a) === Number(b) : a === b;
}

function parseExtra(text: string | number | null, id: string): Record<string, unknown> {
  if (text === null || text === '') return {};
  try {
    return JSON.parse(String(text)) as Record<string, unknown>;
  } catch {
    throw new DataError(`voter ${id} has unreadable extra columns in the database`, { hint: 'Import the voter file again.' });
  }
}

