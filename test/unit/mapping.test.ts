import { describe, expect, it } from 'vitest';
import { CHECK_SYNONYMS, mapHeaders, normalizeHeader, parseMapOptions, VOTER_SYNONYMS } from '../../src/core/mapping.js';
import { VOTER_FIELDS } from '../../src/core/fields.js';
import { UsageError } from '../../src/core/errors.js';

describe('normalizeHeader', () => {
  it('ignores case, accents, punctuation and spacing', () => {
    expect(normalizeHeader(' N° Électeur ')).toBe('n_electeur');
    expect(normalizeHeader("N° d'ordre")).toBe('n_d_ordre');
    expect(normalizeHeader('Code-Postal')).toBe('code_postal');
    expect(normalizeHeader('TÉLÉPHONE')).toBe('telephone');
  });
});

describe('mapHeaders', () => {
  it('maps French headers and keeps the other columns as extras in file order', () => {
    const headers = ['N° électeur', 'Prénom', 'Nom', 'Téléphone', 'Code postal', 'Bureau de vote', 'Quartier', "N° d'ordre", 'Soutien', 'Profession', 'Remarque'];
    const mapping = mapHeaders(headers, VOTER_SYNONYMS);
    expect(mapping.fields).toEqual({ id: 0, first_name: 1, last_name: 2, phone: 3, zip: 4, precinct: 5, neighborhood: 6, list_number: 7, support: 8 });
    expect(mapping.extras).toEqual([
      { name: 'Profession', index: 9 },
      { name: 'Remarque', index: 10 },
    ]);
  });

  it('maps English synonyms and prefers a field name over a synonym', () => {
    const mapping = mapHeaders(['VoterID', 'First Name', 'Surname', 'Cell Phone', 'ZIP Code', 'Polling Place', 'precinct', 'Ward'], VOTER_SYNONYMS);
    expect(mapping.fields).toMatchObject({ id: 0, first_name: 1, last_name: 2, phone: 3, zip: 4, polling_place: 5, precinct: 6 });
    expect(mapping.extras).toEqual([{ name: 'Ward', index: 7 }]);
  });

  it('lets --map override, matching the header loosely, and names the headers when it cannot', () => {
    const headers = ['Ref', 'Mob', 'Mobile'];
    expect(mapHeaders(headers, VOTER_SYNONYMS, { id: 'ref', phone: 'Mob' }).fields).toEqual({ id: 0, phone: 1 });
    expect(() => mapHeaders(headers, VOTER_SYNONYMS, { id: 'Voter' })).toThrow(UsageError);
    try {
      mapHeaders(headers, VOTER_SYNONYMS, { id: 'Voter' });
    } catch (error) {
      expect((error as UsageError).hint).toBe('The file\'s headers are: "Ref", "Mob", "Mobile".');
    }
  });

  it('ignores the columns turnout adds to a rejects file', () => {
    expect(mapHeaders(['id', 'x', 'reject_line', 'reject_reason'], VOTER_SYNONYMS, {}, ['reject_line', 'reject_reason']).extras).toEqual([{ name: 'x', index: 1 }]);
  });

  it('finds check columns', () => {
    expect(mapHeaders(['Bureau', "N° d'ordre", 'Heure'], CHECK_SYNONYMS).fields).toEqual({ precinct: 0, list_number: 1, checked_at: 2 });
  });
});

describe('parseMapOptions', () => {
  it('reads field=Header and refuses the rest', () => {
    expect(parseMapOptions(['id=Voter Number', 'phone = Mob'], VOTER_FIELDS)).toEqual({ id: 'Voter Number', phone: 'Mob' });
    expect(() => parseMapOptions(['id'], VOTER_FIELDS)).toThrow(/is not field=Header/);
    expect(() => parseMapOptions(['colour=X'], VOTER_FIELDS)).toThrow(/unknown field "colour"/);
  });
});
