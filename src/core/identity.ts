/**
 * Who a person is when no id or list number says it: names compared loosely, birth dates read in
 * their common written forms. Pure rules, used when voters are imported (their identity key is
 * stored, see migration 006) and when a contact file is linked onto them (src/app/importContacts.ts).
 */

/** Letters that Unicode does not decompose into a base letter and an accent. */
const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', đ: 'd', ł: 'l', ı: 'i' };

/**
 * A name for comparison: case, accents, hyphens, apostrophes, spaces and any other punctuation
 * ignored. `ÉLÉONORE-BLIN` and `Eleonore Blin` → "eleonoreblin"; `D'AUBIGNÉ` and `Daubigne` →
 * "daubigne"; `Œillet` → "oeillet". Digits are kept; '' for a name with no letter or digit.
 */
export function normalizeName(name: string): string {
  let text = name.toLowerCase();
  // Fast path: plain ASCII letters only (most names) need no decomposition.
  if (/[^\x00-\x7f]/.test(text)) {
    text = text.replace(/[œæßøđłı]/g, (c) => LIGATURES[c]!).normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }
  return text.replace(/[^a-z0-9]+/g, '');
}

/** The first of several given names: "Marie Anne Sophie" → "Marie"; hyphenated names stay whole ("Jean-Pierre"). */
export function firstGivenName(givenNames: string): string {
  const trimmed = givenNames.trim();
  const end = trimmed.search(/[\s,]/);
  return end < 0 ? trimmed : trimmed.slice(0, end);
}

/** A birth date as read: the ISO date when it is a real one, else null (kept as written, flagged). */
export interface BirthDate {
  iso: string | null;
}

const DAY_FIRST = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/;
const YEAR_FIRST = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/;

/**
 * Reads a birth date written 14/03/1962, 14.03.1962, 14-03-1962, 1962-03-14 or 1962/03/14 (a
 * time after an ISO date is ignored: NationBuilder's `born_at`). Day first whenever the year is
 * last, as French and British files write it. Null for anything else or an impossible date
 * (`00/00/1953`, `31/02/1980`, a bare year `1953`): the caller keeps the text and flags it.
 */
export function parseBirthDate(text: string): string | null {
  const value = text.trim();
  let y: number;
  let m: number;
  let d: number;
  let match = DAY_FIRST.exec(value);
  if (match) {
    d = Number(match[1]);
    m = Number(match[2]);
    y = Number(match[3]);
  } else if ((match = YEAR_FIRST.exec(value))) {
    y = Number(match[1]);
    m = Number(match[2]);
    d = Number(match[3]);
  } else {
    return null;
  }
  if (y < 1850 || m < 1 || m > 12 || d < 1) return null;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  if (d > days) return null;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/**
 * The stored identity key of a voter: normalized first given name and ISO birth date,
 * "marie|1962-03-14"; null without either. Last names are compared on the few voters sharing a
 * key (a voter has two: birth and married), see identityMatches.
 */
export function identityKey(firstName: string | null | undefined, isoBirthDate: string | null | undefined): string | null {
  if (!firstName || !isoBirthDate) return null;
  const first = normalizeName(firstGivenName(firstName));
  return first === '' ? null : `${first}|${isoBirthDate}`;
}

/** Whether a contact's last name (normalized) is one of a voter's: the name in use or the birth name. */
export function lastNameMatches(contactLast: string, voterLast: string | null, voterBirthName: string | null): boolean {
  if (contactLast === '') return false;
  return (voterLast !== null && normalizeName(voterLast) === contactLast) || (voterBirthName !== null && normalizeName(voterBirthName) === contactLast);
}
