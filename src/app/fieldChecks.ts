/**
 * Use cases of the teller page: record the numbers a teller types (checks, by the same rules as
 * `import checks`: the earliest time wins, a number that names no voter is kept as an unmatched
 * check), each by the id the phone gave it so a retry never records twice; and undo one.
 */
import { parseTimeToIso, toIso } from '../core/time.js';
import type { FieldTokenRow } from './fieldAccess.js';
import type { CheckTarget, CheckToRecord } from './importChecks.js';
import type { Awaitable, Clock } from './ports.js';

export type FieldResult = 'recorded' | 'already' | 'unmatched' | 'rejected';

/** What the phone sent for one check (validated here, not trusted). */
export interface FieldCheckInput {
  id?: unknown;
  precinct?: unknown;
  list_number?: unknown;
  voter_id?: unknown;
  checked_at?: unknown;
}

export interface FieldCheckAnswer {
  id: string;
  result: FieldResult;
  reason?: string;
}

export interface FieldEntry {
  tokenId: number;
  clientId: string;
  result: FieldResult;
  reason: string | null;
  voterId: string | null;
  precinct: string | null;
  listNumber: string | null;
  unmatchedKey: string | null;
  checkedAt: string;
  recordedAt: string;
  undoneAt: string | null;
}

/** What a batch of checks is about to ask the store (see FieldCheckStore.lookAhead). */
export interface FieldLookAhead {
  entries: Array<{ tokenId: number; clientId: string }>;
  voterIds: string[];
  places: Array<{ precinct: string; listNumber: string }>;
}

export interface FieldCheckStore {
  /** Runs fn in one write transaction (committed when its promise resolves, rolled back when it rejects). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Optional, inside the transaction: the entries, voters and places the checks about to be
   * recorded will ask for. A store whose every question is a round trip (PostgreSQL) reads them
   * all at once here, and may hold its writes until the transaction ends.
   */
  lookAhead?(keys: FieldLookAhead): Awaitable<void>;
  entry(tokenId: number, clientId: string): Awaitable<FieldEntry | undefined>;
  saveEntry(entry: FieldEntry): Awaitable<void>;
  markUndone(tokenId: number, clientId: string, at: string): Awaitable<void>;
  /** The voter with this id and its precinct. */
  voterById(voterId: string): Awaitable<{ id: string; precinct: string } | undefined>;
  /** Voters at this precinct and list number (at most two: more than one is ambiguous). */
  votersAt(precinct: string, listNumber: string): Awaitable<string[]>;
  /** Inserts the check or moves it earlier; returns the time stored before, if any (markVoters' rule). */
  mark(voterId: string, checkedAt: string, source: string, recordedAt: string): Awaitable<string | undefined>;
  removeCheck(voterId: string): Awaitable<boolean>;
  /** Keeps an unmatched check as `import checks` does; returns its key. */
  keepUnmatched(check: CheckToRecord): Awaitable<string>;
  removeUnmatched(key: string): Awaitable<boolean>;
  /** Checks this token has standing (not undone, not rejected), per precinct. */
  countsByPrecinct(tokenId: number): Awaitable<Record<string, number>>;
}

export interface PrecinctActivity {
  precinct: string;
  last_check: string;
  checks: number;
}

export interface TellerActivity {
  name: string;
  precincts: string[];
  last_check: string | null;
  checks: number;
  state: 'active' | 'expired' | 'revoked';
}

export interface FieldActivity {
  precincts: PrecinctActivity[];
  tellers: TellerActivity[];
}

/** When each precinct and each teller last sent a check (the HQ spots a station gone silent). */
export interface FieldActivitySource {
  activity(now: string): Awaitable<FieldActivity>;
}

/** Checks per request: a phone's queue after a long time offline fits many times over. */
export const MAX_CHECKS_PER_REQUEST = 500;
const MAX_TEXT = 100;
/** A phone's clock may run a little fast; beyond this a time is refused as in the future. */
const FUTURE_SLACK_MS = 10 * 60_000;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;

/** A check's client id, trimmed, or undefined when it has none that can be kept. */
function clientIdOf(input: FieldCheckInput | undefined): string | undefined {
  const clientId = text(input?.id);
  return clientId === undefined || clientId === '' || clientId.length > MAX_TEXT ? undefined : clientId;
}

/**
 * Whom a check names: a voter id, else a precinct and list number, trimmed and bounded, or why it
 * names no one. The one reading of a teller's input, for the look-ahead and for recording.
 */
function targetOf(input: FieldCheckInput): { target: CheckTarget } | { reason: string } {
  const voterId = text(input.voter_id);
  if (voterId !== undefined && voterId !== '') {
    return voterId.length > MAX_TEXT ? { reason: 'voter id too long' } : { target: { voterId } };
  }
  const precinct = text(input.precinct);
  const listNumber = text(input.list_number);
  if (precinct === undefined || precinct === '') return { reason: 'no precinct' };
  if (listNumber === undefined || listNumber === '') return { reason: 'no list number' };
  if (precinct.length > MAX_TEXT || listNumber.length > MAX_TEXT) return { reason: 'precinct or list number too long' };
  return { target: { precinct, listNumber } };
}

/**
 * Records a batch of checks for a token. A teller may record only for the precincts of its link:
 * a check for another precinct is answered `rejected` (reason given), the others in the batch
 * still count. Every answer (rejections included) is kept under the client id: a retry gets it again.
 */
export async function recordFieldChecks(
  store: FieldCheckStore,
  clock: Clock,
  token: FieldTokenRow,
  checks: readonly FieldCheckInput[],
  options: { timeZone: string },
): Promise<FieldCheckAnswer[]> {
  return (await recordFieldCheckBatches(store, clock, [{ token, checks }], options))[0]!;
}

/** Tells the store what the batches will ask, when it wants to know (read as recording reads them). */
async function lookAhead(store: FieldCheckStore, batches: readonly TokenBatch[]): Promise<void> {
  if (store.lookAhead === undefined) return;
  const keys: FieldLookAhead = { entries: [], voterIds: [], places: [] };
  for (const b of batches) {
    for (const input of b.checks) {
      const clientId = clientIdOf(input);
      if (clientId === undefined) continue;
      keys.entries.push({ tokenId: b.token.id, clientId });
      const read = targetOf(input);
      if ('reason' in read) continue;
      if ('voterId' in read.target) keys.voterIds.push(read.target.voterId);
      else keys.places.push(read.target);
    }
  }
  await store.lookAhead(keys);
}

/** One request's checks, under its link. */
type TokenBatch = { token: FieldTokenRow; checks: readonly FieldCheckInput[] };

async function recordInTransaction(store: FieldCheckStore, clock: Clock, { token, checks }: TokenBatch, options: { timeZone: string }): Promise<FieldCheckAnswer[]> {
  const now = clock.now();
  const recordedAt = toIso(now);
  const source = `${token.role} ${token.name}`;
  const allowed = token.role === 'teller' ? new Set(token.precincts) : undefined;
  const answers: FieldCheckAnswer[] = [];
  for (const [index, input] of checks.entries()) answers.push(await recordOne(index, input));
  return answers;

  async function recordOne(index: number, input: FieldCheckInput): Promise<FieldCheckAnswer> {
    const clientId = clientIdOf(input);
    if (clientId === undefined) {
      return { id: text(input?.id) ?? `#${index}`, result: 'rejected', reason: 'each check needs an "id" (a text of 1 to 100 characters)' };
    }
    const earlier = await store.entry(token.id, clientId);
    if (earlier !== undefined) {
      if (earlier.undoneAt !== null) return { id: clientId, result: 'rejected', reason: 'this entry was undone' };
      return earlier.reason === null ? { id: clientId, result: earlier.result } : { id: clientId, result: earlier.result, reason: earlier.reason };
    }
    const entry: FieldEntry = {
      tokenId: token.id,
      clientId,
      result: 'rejected',
      reason: null,
      voterId: null,
      precinct: null,
      listNumber: null,
      unmatchedKey: null,
      checkedAt: recordedAt,
      recordedAt,
      undoneAt: null,
    };
    const answer = await decide(store, entry, input, { now, allowed, source, timeZone: options.timeZone });
    entry.result = answer.result;
    entry.reason = answer.reason ?? null;
    await store.saveEntry(entry);
    return answer.reason === undefined ? { id: clientId, result: answer.result } : { id: clientId, result: answer.result, reason: answer.reason };
  }
}

/**
 * Several requests' checks in one transaction (one commit, one WAL write for all): the server
 * gathers the requests that arrive together, and answers each only after this returns, so every
 * answer it sends is committed. Each request keeps its own token, scope and answers.
 */
export async function recordFieldCheckBatches(
  store: FieldCheckStore,
  clock: Clock,
  batches: readonly TokenBatch[],
  options: { timeZone: string },
): Promise<FieldCheckAnswer[][]> {
  return store.transaction(async () => {
    await lookAhead(store, batches);
    const answers: FieldCheckAnswer[][] = [];
    for (const b of batches) answers.push(await recordInTransaction(store, clock, b, options));
    return answers;
  });
}

async function decide(
  store: FieldCheckStore,
  entry: FieldEntry,
  input: FieldCheckInput,
  context: { now: Date; allowed: Set<string> | undefined; source: string; timeZone: string },
): Promise<{ result: FieldResult; reason?: string }> {
  const reject = (reason: string): { result: FieldResult; reason: string } => ({ result: 'rejected', reason });
  const timeText = text(input.checked_at);
  if (timeText !== undefined && timeText !== '') {
    const time = parseTimeToIso(timeText, context.timeZone, context.now);
    if (time === undefined) return reject(`check time "${timeText.slice(0, MAX_TEXT)}" is not a time`);
    if (Date.parse(time) > context.now.getTime() + FUTURE_SLACK_MS) return reject('check time is in the future');
    entry.checkedAt = time;
  }
  const read = targetOf(input);
  if ('reason' in read) return reject(read.reason);
  const target = read.target;
  let voter: string | undefined;
  if ('voterId' in target) {
    const found = await store.voterById(target.voterId);
    if (context.allowed !== undefined) {
      // A teller's scope is its precincts: a voter id is accepted only for a voter known to be in one.
      if (found === undefined) return reject('unknown voter id; type the list number instead');
      if (!context.allowed.has(found.precinct)) return reject(`this voter is not in your precincts (${[...context.allowed].join(', ')})`);
    }
    entry.voterId = target.voterId;
    entry.precinct = found?.precinct ?? null;
    voter = found?.id;
  } else {
    const { precinct, listNumber } = target;
    if (context.allowed !== undefined && !context.allowed.has(precinct)) {
      return reject(`precinct ${precinct} is not on this link (${[...context.allowed].join(', ')})`);
    }
    entry.precinct = precinct;
    entry.listNumber = listNumber;
    const found = await store.votersAt(precinct, listNumber);
    if (found.length > 1) return reject('this precinct and list number match several voters');
    voter = found[0];
  }
  if (voter === undefined) {
    entry.unmatchedKey = await store.keepUnmatched({ target, checkedAt: entry.checkedAt, source: context.source, file: 'turnout serve', line: 0, recordedAt: entry.recordedAt });
    return { result: 'unmatched' };
  }
  entry.voterId = voter;
  const before = await store.mark(voter, entry.checkedAt, context.source, entry.recordedAt);
  return { result: before === undefined ? 'recorded' : 'already' };
}

export type UndoOutcome = 'undone' | 'not-found' | 'already-undone';

/**
 * Undoes one of the token's own entries: a check it recorded is removed (the voter is no longer
 * checked), an unmatched check it kept is forgotten; an "already" removes nothing (another check
 * counted that voter first). The entry stays, marked undone, so a late retry does not record it again.
 */
export async function undoFieldCheck(store: FieldCheckStore, clock: Clock, token: FieldTokenRow, clientId: string): Promise<UndoOutcome> {
  return store.transaction(async () => {
    const entry = await store.entry(token.id, clientId);
    if (entry === undefined) return 'not-found';
    if (entry.undoneAt !== null) return 'already-undone';
    if (entry.result === 'recorded' && entry.voterId !== null) await store.removeCheck(entry.voterId);
    if (entry.result === 'unmatched' && entry.unmatchedKey !== null) await store.removeUnmatched(entry.unmatchedKey);
    await store.markUndone(token.id, clientId, toIso(clock.now()));
    return 'undone';
  });
}
