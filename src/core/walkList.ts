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
