/**
 * How many SMS segments a text costs. Twilio (like every carrier) sends a text in GSM-7 when
 * every character is in the GSM 03.38 alphabet or its extension table (an extension character
 * costs two septets), otherwise in UCS-2 (UTF-16 code units). One segment holds 160 septets or
 * 70 units; a longer text is split into parts of 153 septets or 67 units (the rest is the
 * concatenation header), and a part never splits an escape sequence or a surrogate pair.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  /** The characters that forced UCS-2, in order of appearance, without repeats. */
  ucs2Characters: string[];
}

// GSM 03.38 basic character set (the 128 code points, as Unicode), ESC excluded.
const GSM_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
// The extension table: each is sent as ESC + character, two septets.
const GSM_EXTENDED = new Set(Array.from('\f^{}\\[~]|€'));

export const SINGLE_GSM = 160;
export const MULTI_GSM = 153;
export const SINGLE_UCS2 = 70;
export const MULTI_UCS2 = 67;

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM_BASIC.has(ch) && !GSM_EXTENDED.has(ch)) return false;
  return true;
}

export function countSegments(text: string): SegmentCount {
  const ucs2Characters: string[] = [];
  for (const ch of text) {
    if (!GSM_BASIC.has(ch) && !GSM_EXTENDED.has(ch) && !ucs2Characters.includes(ch)) ucs2Characters.push(ch);
  }
  if (ucs2Characters.length === 0) {
    const costs = Array.from(text, (ch) => (GSM_EXTENDED.has(ch) ? 2 : 1));
    return { encoding: 'GSM-7', ucs2Characters, ...split(costs, SINGLE_GSM, MULTI_GSM) };
  }
  // for…of walks code points: an emoji outside the BMP is one character of two code units.
  const costs = Array.from(text, (ch) => ch.length);
  return { encoding: 'UCS-2', ucs2Characters, ...split(costs, SINGLE_UCS2, MULTI_UCS2) };
}

/** Greedy split of indivisible characters of the given costs into parts. */
function split(costs: number[], single: number, multi: number): { segments: number; units: number } {
  const units = costs.reduce((a, b) => a + b, 0);
  if (units === 0) return { segments: 0, units };
  if (units <= single) return { segments: 1, units };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { segments, units };
}
