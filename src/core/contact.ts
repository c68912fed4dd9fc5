/**
 * One row of a campaign's contact file: how it names its voter (by each rule the file allows) and
 * what it adds (phone, e-mail, support, turnout score, extra columns), under the voter import's
 * rules (phone normalization, support 1–5, turnout score 0–100). Pure.
 */
import { SUPPORT_MAX, SUPPORT_MIN, VOTER_FIELDS } from './fields.js';
import { firstGivenName, normalizeName, parseBirthDate } from './identity.js';
import { normalizeHeader, VOTER_SYNONYMS, type ContactField, type HeaderMapping } from './mapping.js';
import type { PhoneNormalizer } from './phone.js';

/** How a contact is linked to a voter, strongest first. `name` (no birth date) only when asked for. */
export const CONTACT_RULES = ['id', 'list', 'identity', 'name'] as const;
export type ContactRule = (typeof CONTACT_RULES)[number];

/** The voter columns a contact file can set. */
export const CONTACT_COLUMNS = ['phone', 'phone_e164', 'phone_valid', 'email', 'support', 'turnout_score', 'extra'] as const;
export type ContactColumn = (typeof CONTACT_COLUMNS)[number];
export type ContactValues = Partial<Record<ContactColumn, string | number | null>>;

/** What a row says about who it is. */
export interface ContactKeys {
  id?: string;
  precinct?: string;
  listNumber?: string;
  /** Normalized last names (in use, birth), without empties or repeats. */
  lastNames: string[];
  /** Normalized first-name keys to try, whole name first ("jeanpierre", then "jean"). */
  firstNames: string[];
  /** ISO birth date, when written and readable. */
  birthDate?: string;
  /** The birth date as written, when it could not be read. */
  badBirthDate?: string;
}

export interface PreparedContact {
  keys: ContactKeys;
  values: ContactValues;
  /** Extra columns by header, '' for an empty cell (which removes the voter's value). */
  extras: Record<string, string>;
  phoneInvalid: boolean;
  badScore: boolean;
}

/** Which rules a file's columns allow. */
export function availableRules(fields: HeaderMapping<ContactField>['fields']): ContactRule[] {
  const rules: ContactRule[] = [];
  if (fields.id !== undefined) rules.push('id');
  if (fields.precinct !== undefined && fields.list_number !== undefined) rules.push('list');
  const last = fields.last_name !== undefined || fields.birth_name !== undefined;
  const first = fields.first_name !== undefined || fields.given_names !== undefined;
  if (last && first && fields.birth_date !== undefined) rules.push('identity');
  if (last && first) rules.push('name');
  return rules;
}

/** The rule for a row: the first of `rules` whose cells the row fills. */
export function ruleFor(keys: ContactKeys, rules: readonly ContactRule[]): ContactRule | undefined {
  for (const rule of rules) {
    if (rule === 'id' && keys.id !== undefined) return rule;
    if (rule === 'list' && keys.precinct !== undefined && keys.listNumber !== undefined) return rule;
    if (rule === 'identity' && keys.lastNames.length > 0 && keys.firstNames.length > 0 && (keys.birthDate !== undefined || keys.badBirthDate !== undefined)) return rule;
    if (rule === 'name' && keys.lastNames.length > 0 && keys.firstNames.length > 0) return rule;
  }
  return undefined;
}

/** Normalized first-name keys of a contact: the whole name, then its first given name, then its first part before a hyphen. */
export function firstNameKeys(name: string): string[] {
  const keys: string[] = [];
  for (const candidate of [name, firstGivenName(name), firstGivenName(name).split('-')[0]!]) {
    const key = normalizeName(candidate);
    if (key !== '' && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** The voter list's own fields (address, areas): a contact file's copy of them is ignored, not stored as extras. */
const LIST_OWN_FIELDS = new Set(
  VOTER_FIELDS.filter((f) => !['id', 'first_name', 'last_name', 'phone', 'email', 'support', 'turnout_score', 'precinct', 'list_number', 'birth_name', 'given_names', 'birth_date'].includes(f)).flatMap((f) => [
    f,
    ...VOTER_SYNONYMS[f].map(normalizeHeader),
  ]),
);

export interface ContactPreparer {
  /** Headers stored as extras, in file order. */
  readonly extraNames: readonly string[];
  /** Headers left out because they copy the voter list's own fields (address, areas). */
  readonly ignored: readonly string[];
  /** The voter columns the file supplies. */
  readonly suppliedColumns: readonly ContactColumn[];
  prepare(fields: readonly string[]): PreparedContact | string;
}

export function contactPreparer(mapping: HeaderMapping<ContactField>, normalizePhone: PhoneNormalizer): ContactPreparer {
  const f = mapping.fields;
  const extras = mapping.extras.filter((e) => !LIST_OWN_FIELDS.has(normalizeHeader(e.name)));
  const ignored = mapping.extras.filter((e) => LIST_OWN_FIELDS.has(normalizeHeader(e.name))).map((e) => e.name);
  const supplied: ContactColumn[] = [];
  if (f.phone !== undefined) supplied.push('phone', 'phone_e164', 'phone_valid');
  if (f.email !== undefined) supplied.push('email');
  if (f.support !== undefined) supplied.push('support');
  if (f.turnout_score !== undefined) supplied.push('turnout_score');
  if (extras.length > 0) supplied.push('extra');
  const cell = (fields: readonly string[], index: number | undefined): string => (index === undefined ? '' : (fields[index] ?? '').trim());
  return {
    extraNames: extras.map((e) => e.name),
    ignored,
    suppliedColumns: supplied,
    prepare(fields) {
      const keys: ContactKeys = { lastNames: [], firstNames: [] };
      const id = cell(fields, f.id);
      if (id !== '') keys.id = id;
      const precinct = cell(fields, f.precinct);
      const listNumber = cell(fields, f.list_number);
      if (precinct !== '') keys.precinct = precinct;
      if (listNumber !== '') keys.listNumber = listNumber;
      for (const last of [cell(fields, f.last_name), cell(fields, f.birth_name)]) {
        const key = normalizeName(last);
        if (key !== '' && !keys.lastNames.includes(key)) keys.lastNames.push(key);
      }
      const first = cell(fields, f.first_name) || cell(fields, f.given_names);
      if (first !== '') keys.firstNames = firstNameKeys(first);
      const birth = cell(fields, f.birth_date);
      if (birth !== '') {
        const iso = parseBirthDate(birth);
        if (iso === null) keys.badBirthDate = birth;
        else keys.birthDate = iso;
      }
      const values: ContactValues = {};
      let phoneInvalid = false;
      if (f.phone !== undefined) {
        const phone = normalizePhone(fields[f.phone] ?? '');
        values.phone = phone.phone;
        values.phone_e164 = phone.e164;
        values.phone_valid = phone.valid;
        phoneInvalid = phone.valid === 0;
      }
      if (f.email !== undefined) values.email = cell(fields, f.email) || null;
      if (f.support !== undefined) {
        const raw = cell(fields, f.support);
        values.support = null;
        if (raw !== '') {
          const support = Number(raw);
          if (!Number.isInteger(support) || support < SUPPORT_MIN || support > SUPPORT_MAX) {
            return `support "${raw}" is not a whole number from ${SUPPORT_MIN} to ${SUPPORT_MAX}`;
          }
          values.support = support;
        }
      }
      let badScore = false;
      if (f.turnout_score !== undefined) {
        const raw = cell(fields, f.turnout_score);
        values.turnout_score = null;
        if (raw !== '') {
          const score = Number(raw.replace(',', '.'));
          if (Number.isFinite(score) && score >= 0 && score <= 100) values.turnout_score = score;
          else badScore = true;
        }
      }
      const extraValues: Record<string, string> = {};
      for (const e of extras) extraValues[e.name] = (fields[e.index] ?? '').trim();
      return { keys, values, extras: extraValues, phoneInvalid, badScore };
    },
  };
}
