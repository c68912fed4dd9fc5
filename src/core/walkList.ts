/**
 * The walk list: one row per door, in the order a door knocker walks. Doors are grouped by
 * precinct and street; along a street the odd side comes first, then the even side (people walk
 * one side up and the other down rather than zig-zagging across traffic), each by house number,
 * with French suffixes in their order (2, 2 bis, 2 ter, 2 quater, then 2A, 2B…), and doors
 * without a usable number last.
 */
import { compareText } from './remindOrder.js';

export interface HouseNumber {
  /** The leading integer; null when the number has none ("", "s/n", "Bât. C"). */
  number: number | null;
  /** What follows it, lower-cased and trimmed: "bis", "b", "". */
  suffix: string;
}

export type Side = 'odd' | 'even' | 'unknown';

const HOUSE_NUMBER = /^(\d+)\s*[-/,.]?\s*(.*)$/;

export function parseHouseNumber(raw: string | null | undefined): HouseNumber {
  const text = (raw ?? '').trim();
  const m = HOUSE_NUMBER.exec(text);
  if (!m) return { number: null, suffix: text.toLowerCase() };
  return { number: Number(m[1]), suffix: m[2]!.trim().toLowerCase() };
}

export function sideOf(house: HouseNumber): Side {
  if (house.number === null) return 'unknown';
  return house.number % 2 === 1 ? 'odd' : 'even';
}

const SIDE_ORDER: Record<Side, number> = { odd: 0, even: 1, unknown: 2 };
/** The Latin ordinals used in French addresses, in their order; other suffixes come after, alphabetically. */
const ORDINALS = ['', 'bis', 'ter', 'quater', 'quinquies', 'sexies'];

function suffixRank(suffix: string): number {
  const i = ORDINALS.indexOf(suffix);
  return i === -1 ? ORDINALS.length : i;
}

export function compareHouseNumbers(a: HouseNumber, b: HouseNumber): number {
  if (a.number === null || b.number === null) {
    if (a.number !== b.number) return a.number === null ? 1 : -1;
  } else if (a.number !== b.number) {
    return a.number - b.number;
  }
  return suffixRank(a.suffix) - suffixRank(b.suffix) || compareText(a.suffix, b.suffix);
}

/** Case, accents, punctuation and repeated spaces do not make two streets different. */
export function normalizeStreet(street: string | null | undefined): string {
  return (street ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface DoorAddress {
  precinct: string | null;
  street: string | null;
  street_number: string | null;
  city: string | null;
  zip: string | null;
}

/** Voters with the same key live behind the same door. Undefined when there is no street to walk to. */
export function doorKey(address: DoorAddress): string | undefined {
  const street = normalizeStreet(address.street);
  if (street === '') return undefined;
  const house = parseHouseNumber(address.street_number);
  const parts = [
    (address.precinct ?? '').trim(),
    normalizeStreet(address.city),
    (address.zip ?? '').trim(),
    street,
    house.number === null ? '' : String(house.number),
    house.suffix.replace(/\s+/g, ' '),
  ];
  return parts.join('\u001f');
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function compareNullableText(a: string | null, b: string | null): number {
  const ea = a === null || a.trim() === '';
  const eb = b === null || b.trim() === '';
  if (ea || eb) return Number(ea) - Number(eb);
  return collator.compare(a!, b!) || compareText(a!, b!);
}

export interface WalkDoor extends DoorAddress {
  /** The rank of the door's area (areas in order of need); equal for all doors when not grouped. */
  areaRank: number;
}

/** What a door is sorted by, computed once per door (sorting calls the comparison n log n times). */
export interface WalkKey {
  areaRank: number;
  precinct: string | null;
  street: string;
  city: string | null;
  zip: string | null;
  side: number;
  house: HouseNumber;
}

export function walkKey(door: WalkDoor): WalkKey {
  const house = parseHouseNumber(door.street_number);
  return {
    areaRank: door.areaRank,
    precinct: door.precinct,
    street: normalizeStreet(door.street),
    city: door.city,
    zip: door.zip,
    side: SIDE_ORDER[sideOf(house)],
    house,
  };
}

/** Walk order: area, precinct, street (then city, zip), side (odd, even, unknown), house number. */
export function compareWalkKeys(a: WalkKey, b: WalkKey): number {
  return (
    a.areaRank - b.areaRank ||
    compareNullableText(a.precinct, b.precinct) ||
    compareNullableText(a.street, b.street) ||
    compareNullableText(a.city, b.city) ||
    compareNullableText(a.zip, b.zip) ||
    a.side - b.side ||
    compareHouseNumbers(a.house, b.house)
  );
}

export function compareDoors(a: WalkDoor, b: WalkDoor): number {
  return compareWalkKeys(walkKey(a), walkKey(b));
}

/** Ranks of text values under compareNullableText: equal values share a rank. */
function textRanks(values: Iterable<string | null>): Map<string | null, number> {
  const distinct = [...new Set(values)].sort(compareNullableText);
  const ranks = new Map<string | null, number>();
  let rank = 0;
  distinct.forEach((value, i) => {
    if (i > 0 && compareNullableText(distinct[i - 1]!, value) !== 0) rank++;
    ranks.set(value, rank);
  });
  return ranks;
}

/**
 * Sorts items in walk order (compareWalkKeys) in place, the same order, faster for big lists:
 * the text parts of the keys (a few hundred streets, precincts, cities) are ranked once with the
 * collator, and the n log n comparisons compare those ranks. A whole-city walk list of 231,597
 * doors took 0.6 s in collator comparisons alone.
 */
export function sortInWalkOrder<T>(items: T[], keyOf: (item: T) => WalkKey): T[] {
  const keys = items.map(keyOf);
  const precincts = textRanks(keys.map((k) => k.precinct));
  const streets = textRanks(keys.map((k) => k.street));
  const cities = textRanks(keys.map((k) => k.city));
  const zips = textRanks(keys.map((k) => k.zip));
  const ranked = items.map((item, i) => {
    const k = keys[i]!;
    return { item, k, p: precincts.get(k.precinct)!, s: streets.get(k.street)!, c: cities.get(k.city)!, z: zips.get(k.zip)! };
  });
  ranked.sort(
    (a, b) =>
      a.k.areaRank - b.k.areaRank || a.p - b.p || a.s - b.s || a.c - b.c || a.z - b.z || a.k.side - b.k.side || compareHouseNumbers(a.k.house, b.k.house),
  );
  ranked.forEach((r, i) => (items[i] = r.item));
  return items;
}
