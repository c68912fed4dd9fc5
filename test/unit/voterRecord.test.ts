import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/core/idSet.js';
import { mapHeaders, VOTER_SYNONYMS } from '../../src/core/mapping.js';
import { phoneNormalizer } from '../../src/core/phone.js';
import { voterPreparer } from '../../src/core/voterRecord.js';

describe('voterPreparer', () => {
  const headers = ['id', 'first_name', 'phone', 'zip', 'support', 'turnout_score', 'Household', 'Notes'];
  const preparer = voterPreparer(mapHeaders(headers, VOTER_SYNONYMS), phoneNormalizer('FR'));

  it('keeps text as text, normalizes the phone and builds extra in file order', () => {
    const prepared = preparer.prepare(['007', ' Zoé ', '06 12 34 56 78', '06000', '2', '55,5', '3', '']);
    expect(prepared).toEqual({
      values: ['007', 'Zoé', null, '06 12 34 56 78', '+33612345678', 1, null, null, null, null, '06000', null, null, null, null, 2, 55.5, '{"Household":"3"}', null, null, null, null, null, null, null, null, null, null],
      phoneInvalid: false,
      badScore: false,
      badBirthDate: false,
    });
    expect(preparer.suppliedColumns).toEqual(['id', 'first_name', 'phone', 'phone_e164', 'phone_valid', 'zip', 'support', 'turnout_score', 'extra']);
  });

  it('rejects a row without id or with support outside 1–5, and empties a bad turnout score', () => {
    expect(preparer.prepare(['', 'A', '', '', '', '', '', ''])).toBe('no voter id');
    expect(preparer.prepare(['1', 'A', '', '', '6', '', '', ''])).toBe('support "6" is not a whole number from 1 to 5');
    expect(preparer.prepare(['1', 'A', '', '', '2.5', '', '', ''])).toBe('support "2.5" is not a whole number from 1 to 5');
    const bad = preparer.prepare(['1', 'A', '', '', '', '140', '', '']);
    expect(typeof bad === 'object' && bad.badScore && bad.values[16] === null).toBe(true);
  });
});

describe('IdSet', () => {
  it('returns the line an id was first seen on, sized for the file or growing (too small a guess too)', () => {
    for (const expected of [undefined, 200_000, 1000]) {
      const ids = new IdSet(expected);
      for (let i = 1; i <= 200_000; i++) expect(ids.add(`V${i}`, i + 1)).toBe(0);
      expect(ids.add('V1', 999_999), `expected ${expected}`).toBe(2);
      expect(ids.add('V200000', 999_999)).toBe(200_001);
      expect(ids.add('V200001', 5)).toBe(0);
    }
  });
});
