import { describe, expect, it } from 'vitest';
import { compareDoors, doorKey, normalizeStreet, parseHouseNumber, sideOf, sortInWalkOrder, walkKey } from '../../src/core/walkList.js';

const door = (street: string, street_number: string | null, extra: Partial<{ precinct: string; areaRank: number }> = {}) => ({
  precinct: extra.precinct ?? '101',
  street,
  street_number,
  city: 'Marseille',
  zip: '13001',
  areaRank: extra.areaRank ?? 0,
});

describe('house numbers', () => {
  it('reads the number and its suffix', () => {
    expect(parseHouseNumber('2')).toEqual({ number: 2, suffix: '' });
    expect(parseHouseNumber('2bis')).toEqual({ number: 2, suffix: 'bis' });
    expect(parseHouseNumber(' 2 BIS ')).toEqual({ number: 2, suffix: 'bis' });
    expect(parseHouseNumber('14-B')).toEqual({ number: 14, suffix: 'b' });
    expect(parseHouseNumber('s/n')).toEqual({ number: null, suffix: 's/n' });
    expect(parseHouseNumber(null)).toEqual({ number: null, suffix: '' });
    expect(sideOf(parseHouseNumber('7'))).toBe('odd');
    expect(sideOf(parseHouseNumber('2ter'))).toBe('even');
    expect(sideOf(parseHouseNumber(''))).toBe('unknown');
  });
});

describe('walk order', () => {
  it('walks the odd side, then the even side, by number, suffixes in French order, unnumbered last', () => {
    const doors = ['10', '2bis', '3', '', '2', '1', '2ter', '2A', '11', '4'].map((n) => door('Rue du Panier', n));
    expect(doors.sort(compareDoors).map((d) => d.street_number)).toEqual(['1', '3', '11', '2', '2bis', '2ter', '2A', '4', '10', '']);
  });

  it('groups by area, precinct and street before numbers', () => {
    const doors = [
      door('Rue du Panier', '1', { precinct: '102' }),
      door('rue des Petites-Maries', '3'),
      door('Cours Belsunce', '12'),
      door('Rue des Petites Maries', '2'),
      door('Rue Zola', '1', { areaRank: 1, precinct: '001' }),
      door('Cours Belsunce', '7'),
    ];
    expect(doors.sort(compareDoors).map((d) => `${d.precinct} ${d.street} ${d.street_number}`)).toEqual([
      '101 Cours Belsunce 7',
      '101 Cours Belsunce 12',
      '101 rue des Petites-Maries 3',
      '101 Rue des Petites Maries 2',
      '102 Rue du Panier 1',
      '001 Rue Zola 1',
    ]);
  });

  it('sorts precincts numerically (2 before 10)', () => {
    const doors = [door('A', '1', { precinct: '10' }), door('A', '1', { precinct: '2' })];
    expect(doors.sort(compareDoors).map((d) => d.precinct)).toEqual(['2', '10']);
  });

  it('knows two spellings of one address are one door, and 2 and 2bis are two', () => {
    const a = doorKey({ precinct: '101', street: 'Rue des Petites Maries', street_number: '2', city: 'Marseille', zip: '13001' });
    const b = doorKey({ precinct: '101', street: 'rue des petites-maries ', street_number: ' 2', city: 'MARSEILLE', zip: '13001' });
    const c = doorKey({ precinct: '101', street: 'Rue des Petites Maries', street_number: '2bis', city: 'Marseille', zip: '13001' });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(doorKey({ precinct: '101', street: '  ', street_number: '2', city: null, zip: null })).toBeUndefined();
    expect(normalizeStreet("Rue d'Aubagne")).toBe('rue d aubagne');
    expect(normalizeStreet('Allée Léon Gambetta')).toBe('allee leon gambetta');
  });
});

describe('sortInWalkOrder', () => {
  it('gives the order of compareDoors, ties included, on many random doors', () => {
    let s = 7;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const streets = ['Rue du Panier', 'rue du panier', 'Rue du Panier ', 'Rue des Petites-Maries', 'rue des petites maries', 'Cours Belsunce', 'Allée 2', 'allée 10', 'Élysée', 'Elysee', ''];
    const doors = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      precinct: pick(['101', '0101', '101 ', '102', '', null]),
      street: pick(streets),
      street_number: pick(['1', '2', '2bis', '2 BIS', '2A', '10', '', 's/n', null]),
      city: pick(['Marseille', 'marseille', 'MARSEILLE', null, ' ']),
      zip: pick(['13001', '13002', null, '']),
      areaRank: Math.floor(next() * 3),
    }));
    const expected = [...doors].sort(compareDoors).map((d) => d.id);
    expect(sortInWalkOrder([...doors], (d) => walkKey(d)).map((d) => d.id)).toEqual(expected);
  });
});
