/**
 * One line of a voter file → the values stored for the voter, or the reason it is rejected.
 * Pure: used by the import worker (src/io/voterFileWorker.ts) and by tests.
 */
import type { HeaderMapping } from './mapping.js';
import type { VoterField } from './fields.js';
import { SUPPORT_MAX, SUPPORT_MIN } from './fields.js';
import type { PhoneNormalizer } from './phone.js';

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
];

export type RejectReason = string;

export interface PreparedVoter {
  values: VoterValue[];
  phoneInvalid: boolean;
  /** A turnout_score that was not a number in 0–100 and was left empty. */
  badScore: boolean;
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

export function voterPreparer(mapping: HeaderMapping<VoterField>, normalizePhone: PhoneNormalizer): VoterPreparer {
  const f = mapping.fields;
  const idIndex = f.id;
  const text = TEXT_FIELDS.filter(([name]) => f[name] !== undefined).map(([name, slot]) => [f[name]!, slot] as const);
  const extras = mapping.extras;
  const extraKeys = extras.map((e) => JSON.stringify(e.name));
  const supplied: VoterRowColumn[] = ['id'];
  for (const column of VOTER_ROW_COLUMNS) {
    if (column === 'id' || column === 'extra') continue;
    const source = column === 'phone_e164' || column === 'phone_valid' ? 'phone' : column;
    if (f[source as VoterField] !== undefined) supplied.push(column);
  }
  if (extras.length > 0) supplied.push('extra');

  return {
    suppliedColumns: supplied,
    extraNames: extras.map((e) => e.name),
    prepare(fields) {
      const id = cell(fields, idIndex);
      if (id === '') return 'no voter id';
      const values: VoterValue[] = [id, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null];
      for (const [index, slot] of text) {
        const value = (fields[index] ?? '').trim();
        if (value !== '') values[slot] = value;
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
      return { values, phoneInvalid, badScore };
    },
  };
}
