import { describe, expect, it } from 'vitest';
import { compareVoters, sortVoters, turnoutPriority } from '../../src/core/remindOrder.js';
import { emailKey, groupContacts, joinIds, joinNames } from '../../src/core/remindHouseholds.js';
import { parseChannel, parseCooldown, parseLimit } from '../../src/core/remindSelection.js';
import { UsageError } from '../../src/core/errors.js';

describe('turnout priority', () => {
  it('is the distance of the score from 50, unknown scores last', () => {
    expect(turnoutPriority(50)).toBe(0);
    expect(turnoutPriority(35)).toBe(15);
    expect(turnoutPriority(65)).toBe(15);
    expect(turnoutPriority(100)).toBe(50);
    expect(turnoutPriority(null)).toBe(Infinity);
    expect(turnoutPriority(Number.NaN)).toBe(Infinity);
  });

  it('orders areas by rank, then voters by priority, then by id', () => {
    const rank = new Map<string | null, number>([
      ['Lagging', 0],
      [null, 1],
      ['Calm', 2],
    ]);
    const voters = [
      { id: 'c3', area: 'Calm', turnout_score: 50 },
      { id: 'n1', area: null, turnout_score: 0 },
      { id: 'l9', area: 'Lagging', turnout_score: null },
      { id: 'l2', area: 'Lagging', turnout_score: 90 },
      { id: 'l1', area: 'Lagging', turnout_score: 45 },
      { id: 'l0', area: 'Lagging', turnout_score: 55 },
      { id: 'x1', area: 'Unknown area', turnout_score: 50 },
    ];
    expect(voters.sort(compareVoters(rank)).map((v) => v.id)).toEqual(['l0', 'l1', 'l2', 'l9', 'n1', 'c3', 'x1']);
  });
});

describe('households', () => {
  it('gives one contact per key, placed at its first member, members in priority order', () => {
    const voters = [
      { id: 'A', first_name: 'Amina', last_name: 'Benali', phone: '+1' },
      { id: 'B', first_name: 'Paul', last_name: null, phone: '+2' },
      { id: 'C', first_name: 'Karim', last_name: 'Benali', phone: '+1' },
      { id: 'D', first_name: null, last_name: 'Roux', phone: undefined },
    ];
    const contacts = groupContacts(voters, (v) => v.phone);
    expect(contacts.map((c) => [c.key, c.members.map((m) => m.id)])).toEqual([
      ['+1', ['A', 'C']],
      ['+2', ['B']],
    ]);
    expect(joinIds(contacts[0]!.members)).toBe('A; C');
    expect(joinNames(contacts[0]!.members)).toBe('Amina Benali; Karim Benali');
    expect(joinNames([voters[1]!, voters[3]!])).toBe('Paul; Roux');
  });

  it('treats e-mail addresses case-insensitively and ignores what is not one', () => {
    expect(emailKey('  Sophie.Roux@Example.org ')).toBe('sophie.roux@example.org');
    expect(emailKey('n/a')).toBeUndefined();
    expect(emailKey('')).toBeUndefined();
    expect(emailKey(null)).toBeUndefined();
  });
});

describe('selection options', () => {
  it('reads channels, limits and cooldowns', () => {
    expect(parseChannel(' SMS ')).toBe('sms');
    expect(() => parseChannel('fax')).toThrow(UsageError);
    expect(parseLimit('25')).toBe(25);
    expect(() => parseLimit('0')).toThrow(UsageError);
    expect(() => parseLimit('ten')).toThrow(UsageError);
    expect(parseCooldown('2h')).toBe(7_200_000);
    expect(parseCooldown('0')).toBe(0);
    expect(() => parseCooldown('soon')).toThrow(UsageError);
  });
});

describe('sortVoters', () => {
  it('gives the order of compareVoters on many random voters, ties and unknowns included', () => {
    let s = 11;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const areas = ['Belsunce', 'Panier', 'Noailles', null, 'Unranked'];
    const rank = new Map<string | null, number>([['Panier', 0], ['Belsunce', 1], [null, 2], ['Noailles', 3]]);
    const voters = Array.from({ length: 4000 }, (_, i) => ({
      id: `V${Math.floor(next() * 3000)}-${i % 3}`,
      area: areas[Math.floor(next() * areas.length)]!,
      turnout_score: next() < 0.1 ? null : next() < 0.05 ? Number.NaN : Math.floor(next() * 101),
    }));
    const expected = [...voters].sort(compareVoters(rank));
    expect(sortVoters([...voters], rank)).toEqual(expected);
  });
});
