/**
 * One line of a voter file → the values stored for the voter, or the reason it is rejected.
 * Pure: used by the import worker (src/io/voterFileWorker.ts) and by tests.
 */
import type { HeaderMapping } from './mapping.js';
import type { VoterField } from './fields.js';
import { SUPPORT_MAX, SUPPORT_MIN } from './fields.js';
import type { PhoneNormalizer } from './phone.js';
import { firstGivenName, identityKey, parseBirthDate } from './identity.js';
import { listVoterId, type VoterKey } from './listLayout.js';

/**
 * The stored columns of a voter, in the order of VOTER_ROW_COLUMNS. Text stays text ("06000");
 * empty cells are null; support is an integer, turnout_score a number; extra is a JSON object
 * of the non-empty other columns by header, in file order (null when there is none).
 */
export const VOTER_ROW_COLUMNS = [
  'id',
  'first_name',
  'last_name',
  'phone',
  'phone_e164',
  'phone_valid',
  'email',
  'street_number',
  'street',
  'city',
  'zip',
  'precinct',
  'neighborhood',
  'polling_place',
  'list_number',
  'support',
  'turnout_score',
  'extra',
  // Migration 005 (official lists): see src/core/listLayout.ts.
  'birth_name',
  'given_names',
  'birth_date', // as written
  'birth_date_iso', // YYYY-MM-DD when a real date, else null
  'birth_date_valid', // 1 read, 0 kept as written but not a date (00/00/1953, 1953), null none
  'list_type',
  'address_2',
  'address_3',
  'locality',
  // Migration 006 (contacts): see identityKey in src/core/identity.ts.
  'identity_key',
] as const;
export type VoterRowColumn = (typeof VOTER_ROW_COLUMNS)[number];
export type VoterValue = string | number | null;

const TEXT_FIELDS: Array<[VoterField, number]> = [
  ['first_name', 1],
  ['last_name', 2],
  ['email', 6],
  ['street_number', 7],
  ['street', 8],
  ['city', 9],
  ['zip', 10],
  ['precinct', 11],
  ['neighborhood', 12],
  ['polling_place', 13],
  ['list_number', 14],
  ['birth_name', 18],
  ['given_names', 19],
  ['list_type', 23],
  ['address_2', 24],
  ['address_3', 25],
  ['locality', 26],
];
const FIRST = 1;
const LAST = 2;
const PRECINCT = 11;
const LIST_NUMBER = 14;
const BIRTH_NAME = 18;
const GIVEN_NAMES = 19;
const BIRTH_DATE = 20;
const IDENTITY_KEY = 27;

export interface VoterPreparerOptions {
  /** How voters are named: by the id column (default), or by precinct + list number (id derived, see listVoterId). */
  key?: VoterKey;
  /** A register's separate elector-number suffix column: its value is joined to the list number as `888/8`. */
  suffixIndex?: number;
}

export type RejectReason = string;

export interface PreparedVoter {
  values: VoterValue[];
  phoneInvalid: boolean;
  /** A turnout_score that was not a number in 0–100 and was left empty. */
  badScore: boolean;
  /** A birth date kept as written but flagged (birth_date_valid = 0): `00/00/1953`, a bare year. */
  badBirthDate: boolean;
}

export interface VoterPreparer {
  /** The stored columns that the file supplies: an update changes only these. */
  readonly suppliedColumns: readonly VoterRowColumn[];
  /** The extra columns' headers, in file order. */
  readonly extraNames: readonly string[];
  prepare(fields: readonly string[]): PreparedVoter | RejectReason;
}

function cell(fields: readonly string[], index: number | undefined): string {
  if (index === undefined) return '';
  return (fields[index] ?? '').trim();
}

export function voterPreparer(mapping: HeaderMapping<VoterField>, normalizePhone: PhoneNormalizer, options: VoterPreparerOptions = {}): VoterPreparer {
  const f = mapping.fields;
  const idIndex = f.id;
  const byList = options.key === 'precinct,list_number';
  const suffixIndex = options.suffixIndex;
  const hasFirst = f.first_name !== undefined || f.given_names !== undefined;
  const hasLast = f.last_name !== undefined || f.birth_name !== undefined;
  const text = TEXT_FIELDS.filter(([name]) => f[name] !== undefined).map(([name, slot]) => [f[name]!, slot] as const);
  const extras = mapping.extras;
  const extraKeys = extras.map((e) => JSON.stringify(e.name));
  const supplied: VoterRowColumn[] = ['id'];
  for (const column of VOTER_ROW_COLUMNS) {
    if (column === 'id' || column === 'extra') continue;
    if (column === 'first_name' ? hasFirst : column === 'last_name' ? hasLast : column === 'identity_key' ? hasFirst && f.birth_date !== undefined : false) {
      supplied.push(column);
      continue;
    }
    const source = column === 'phone_e164' || column === 'phone_valid' ? 'phone' : column === 'birth_date_iso' || column === 'birth_date_valid' ? 'birth_date' : column;
    if (f[source as VoterField] !== undefined) supplied.push(column);
  }
  if (extras.length > 0) supplied.push('extra');

  return {
    suppliedColumns: supplied,
    extraNames: extras.map((e) => e.name),
    prepare(fields) {
      const values: VoterValue[] = [
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
      ];
      for (const [index, slot] of text) {
        const value = (fields[index] ?? '').trim();
        if (value !== '') values[slot] = value;
      }
      if (suffixIndex !== undefined && values[LIST_NUMBER] !== null) {
        const suffix = cell(fields, suffixIndex);
        if (suffix !== '') values[LIST_NUMBER] = `${values[LIST_NUMBER]}/${suffix}`;
      }
      if (byList) {
        if (values[PRECINCT] === null) return 'no precinct';
        if (values[LIST_NUMBER] === null) return 'no list number';
        values[0] = listVoterId(values[PRECINCT] as string, values[LIST_NUMBER] as string);
      } else {
        const id = cell(fields, idIndex);
        if (id === '') return 'no voter id';
        values[0] = id;
      }
      // The name in use, else the birth name; the first given name when there is no first name.
      if (values[LAST] === null) values[LAST] = values[BIRTH_NAME]!;
      if (values[FIRST] === null && values[GIVEN_NAMES] !== null) values[FIRST] = firstGivenName(values[GIVEN_NAMES] as string);
      let badBirthDate = false;
      if (f.birth_date !== undefined) {
        const raw = cell(fields, f.birth_date);
        if (raw !== '') {
          const iso = parseBirthDate(raw);
          values[BIRTH_DATE] = raw;
          values[BIRTH_DATE + 1] = iso;
          values[BIRTH_DATE + 2] = iso === null ? 0 : 1;
          badBirthDate = iso === null;
          values[IDENTITY_KEY] = identityKey(values[FIRST] as string | null, iso);
        }
      }
      let phoneInvalid = false;
      if (f.phone !== undefined) {
        const phone = normalizePhone(fields[f.phone] ?? '');
        values[3] = phone.phone;
        values[4] = phone.e164;
        values[5] = phone.valid;
        phoneInvalid = phone.valid === 0;
      }
      if (f.support !== undefined) {
        const raw = cell(fields, f.support);
        if (raw !== '') {
          const support = Number(raw);
          if (!Number.isInteger(support) || support < SUPPORT_MIN || support > SUPPORT_MAX) {
            return `support "${raw}" is not a whole number from ${SUPPORT_MIN} to ${SUPPORT_MAX}`;
          }
          values[15] = support;
        }
      }
      let badScore = false;
      if (f.turnout_score !== undefined) {
        const raw = cell(fields, f.turnout_score);
        if (raw !== '') {
          const score = Number(raw.replace(',', '.'));
          if (Number.isFinite(score) && score >= 0 && score <= 100) values[16] = score;
          else badScore = true;
        }
      }
      if (extras.length > 0) {
        let json = '';
        for (let i = 0; i < extras.length; i++) {
          const value = (fields[extras[i]!.index] ?? '').trim();
          if (value === '') continue;
          json += `${json === '' ? '{' : ','}${extraKeys[i]}:${JSON.stringify(value)}`;
        }
        if (json !== '') values[17] = `${json}}`;
      }
      return { values, phoneInvalid, badScore, badBirthDate };
    },
  };
}
