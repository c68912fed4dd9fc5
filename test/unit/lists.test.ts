import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstGivenName, identityKey, normalizeName, parseBirthDate } from '../../src/core/identity.js';
import { detectLayout, listTypeFilter, listVoterId } from '../../src/core/listLayout.js';
import { availableRules, contactPreparer, firstNameKeys, ruleFor } from '../../src/core/contact.js';
import { CONTACT_SYNONYMS, mapHeaders } from '../../src/core/mapping.js';
import { phoneNormalizer } from '../../src/core/phone.js';
import { generateLists, REU_HEADERS } from '../bench/lists.js';
import { FIXTURES } from '../helpers/cli.js';

describe('identity rules', () => {
  it('compares names case-, accent-, hyphen-, apostrophe- and space-insensitively', () => {
    expect(normalizeName('ÉLÉONORE-BLIN')).toBe(normalizeName('Eleonore Blin'));
    expect(normalizeName("D'AUBIGNE")).toBe(normalizeName('Daubigne'));
    expect(normalizeName("d’Aubigné")).toBe('daubigne');
    expect(normalizeName('Œillet')).toBe('oeillet');
    expect(normalizeName('Martin')).not.toBe(normalizeName('Martins'));
  });

  it('reads birth dates in the common forms and refuses impossible ones', () => {
    for (const text of ['14/03/1962', '1962-03-14', '14.03.1962', '14-03-1962', '1962-03-14T00:00:00Z', '14/3/1962']) expect(parseBirthDate(text), text).toBe('1962-03-14');
    for (const text of ['00/00/1953', '1953', '31/02/1980', '29/02/1981', '', '03/14/1962', '14/03/62']) expect(parseBirthDate(text), text).toBeNull();
    expect(parseBirthDate('29/02/1980')).toBe('1980-02-29');
  });

  it('keys a voter by first given name and ISO birth date', () => {
    expect(firstGivenName('Jean-Pierre Louis')).toBe('Jean-Pierre');
    expect(identityKey('Anne-Sophie Marie', '1971-11-02')).toBe('annesophie|1971-11-02');
    expect(identityKey('Marie', null)).toBeNull();
  });
});

describe('list layouts', () => {
  it('recognizes the REU export and a register, and nothing else', () => {
    const reu = detectLayout([...REU_HEADERS]);
    expect(reu.name).toBe('reu');
    expect(reu.map).toMatchObject({ precinct: 'code du bureau de vote', list_number: "numéro d'ordre dans le bureau de vote", last_name: "nom d'usage", birth_name: 'nom de naissance', city: 'commune' });
    const register = detectLayout(['PD', 'ENO', 'Suffix', 'Surname']);
    expect(register).toMatchObject({ name: 'register', map: { precinct: 'PD', list_number: 'ENO' }, suffixHeader: 'Suffix' });
    expect(detectLayout(['id', 'precinct', 'list_number']).name).toBe('plain');
  });

  it('derives a stable id that never joins two different pairs', () => {
    expect(listVoterId('0001', '42')).toBe('0001/42');
    expect(listVoterId('AB', '888/8')).toBe('AB/888/8');
    expect(listVoterId('A/B', '1')).not.toBe(listVoterId('A', 'B/1'));
  });

  it('matches --lists by name or short name', () => {
    const counts = listTypeFilter(['principale,LCM'])!;
    expect(counts('Liste principale')).toBe(true);
    expect(counts('Liste complémentaire municipale')).toBe(true);
    expect(counts('Liste complémentaire européenne')).toBe(false);
    expect(counts(null)).toBe(true);
    expect(listTypeFilter(undefined)).toBeUndefined();
    expect(() => listTypeFilter([','])).toThrow('--lists names no list type');
  });
});

describe('the list fixtures in fixtures/lists', () => {
  it('are exactly what the seeded generator produces', () => {
    for (const f of generateLists()) {
      expect(fs.readFileSync(path.join(FIXTURES, 'lists', f.name)).equals(f.bytes), `${f.name} differs from a fresh generation`).toBe(true);
    }
  });

  it('look like the REU export: 27 quoted columns but the last, no BOM, LF', () => {
    const raw = fs.readFileSync(path.join(FIXTURES, 'lists', 'reu-electeurs-actifs.csv'));
    expect(raw[0]).toBe(0x22);
    expect(raw.includes(Buffer.from('\r\n'))).toBe(false);
    const lines = raw.toString('utf8').trimEnd().split('\n');
    expect(lines[0]!.split('";"')).toHaveLength(27);
    expect(lines.slice(1).every((l) => /;\d*$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes(';;'))).toBe(true);
  });
});

describe('contact rows', () => {
  const headers = ['nationbuilder_id', 'First Name', 'Nom', 'Date de naissance', 'Mobile', 'Soutien', 'Ville', 'Tags'];
  const mapping = mapHeaders(headers, CONTACT_SYNONYMS);
  const preparer = contactPreparer(mapping, phoneNormalizer('FR'));

  it("keeps a CRM's own id as an extra, ignores the list's own fields, and reads every key", () => {
    expect(mapping.fields.id).toBeUndefined();
    expect(preparer.extraNames).toEqual(['nationbuilder_id', 'Tags']);
    expect(preparer.ignored).toEqual(['Ville']);
    expect(availableRules(mapping.fields)).toEqual(['identity', 'name']);
    const row = preparer.prepare(['1042', 'Jean Pierre', "D'Aubigné", '14.03.1962', '06 12 34 56 78', '2', 'Manosque', '']);
    expect(typeof row === 'object' && row.keys).toEqual({ lastNames: ['daubigne'], firstNames: ['jeanpierre', 'jean'], birthDate: '1962-03-14' });
    expect(typeof row === 'object' && row.values).toEqual({ phone: '06 12 34 56 78', phone_e164: '+33612345678', phone_valid: 1, support: 2 });
    expect(typeof row === 'object' && row.extras).toEqual({ nationbuilder_id: '1042', Tags: '' });
    expect(preparer.prepare(['1', 'A', 'B', '', '', '9', '', ''])).toBe('support "9" is not a whole number from 1 to 5');
  });

  it('picks the strongest rule each row fills', () => {
    const rules = availableRules({ id: 0, precinct: 1, list_number: 2, last_name: 3, first_name: 4, birth_date: 5 });
    expect(rules).toEqual(['id', 'list', 'identity', 'name']);
    const keys = { lastNames: ['martin'], firstNames: ['marie'], birthDate: '1962-03-14' };
    expect(ruleFor({ ...keys, id: 'V1' }, rules)).toBe('id');
    expect(ruleFor({ ...keys, precinct: '0001', listNumber: '3' }, rules)).toBe('list');
    expect(ruleFor(keys, ['id', 'list', 'identity'])).toBe('identity');
    expect(ruleFor({ lastNames: ['martin'], firstNames: ['marie'] }, ['id', 'list', 'identity'])).toBeUndefined();
    expect(firstNameKeys('Marie-Claire Anne')).toEqual(['marieclaireanne', 'marieclaire', 'marie']);
  });
});
