import { describe, expect, it } from 'vitest';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/mobile/examples';
import { phoneNormalizer, slowE164 } from '../../src/core/phone.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('phoneNormalizer', () => {
  it('normalizes the usual French shapes to E.164', () => {
    const normalize = phoneNormalizer('FR');
    for (const written of ['06 12 34 56 78', '0612345678', '06.12.34.56.78', '06-12-34-56-78', '+33 6 12 34 56 78', '+33612345678', '0033 6 12 34 56 78', '+33 (0)6 12 34 56 78']) {
      expect(normalize(written), written).toEqual({ phone: written, e164: '+33612345678', valid: 1 });
    }
    expect(normalize(' 04 91 23 45 67 ')).toEqual({ phone: '04 91 23 45 67', e164: '+33491234567', valid: 1 });
    expect(normalize('+1 212 555 0142')).toEqual({ phone: '+1 212 555 0142', e164: '+12125550142', valid: 1 });
  });

  it('keeps an invalid number as written, marked invalid, and an empty one as no phone', () => {
    const normalize = phoneNormalizer('FR');
    expect(normalize('06 12')).toEqual({ phone: '06 12', e164: null, valid: 0 });
    expect(normalize('appeler le soir')).toEqual({ phone: 'appeler le soir', e164: null, valid: 0 });
    expect(normalize('  ')).toEqual({ phone: null, e164: null, valid: null });
  });

  it('reads only international numbers without a region: +country, or 00 country', () => {
    const normalize = phoneNormalizer(undefined);
    expect(normalize('+44 20 7946 0958').e164).toBe('+442079460958');
    expect(normalize('020 7946 0958').valid).toBe(0);
    for (const [written, e164] of [
      ['0033 6 12 34 56 78', '+33612345678'],
      ['00 33 6 12 34 56 78', '+33612345678'],
      ['0033612345678', '+33612345678'],
      ['00.33.6.12.34.56.78', '+33612345678'],
      ['0033 (0)6 12 34 56 78', '+33612345678'],
      ['00 44 7911 123456', '+447911123456'],
      ['0044 20 7946 0958', '+442079460958'],
      ['001 212 555 0142', '+12125550142'],
    ] as const) {
      expect(normalize(written), written).toEqual({ phone: written, e164, valid: 1 });
      // The same as libphonenumber reads it written with "+".
      expect(slowE164(written.replace(/^00[\s.]*/, '+'), undefined), written).toBe(e164);
    }
    // Still invalid: a national number, "00" alone, "000…", and a number outside any real range
    // (+44 7700 900xxx is the UK's range for fiction, invalid written with + too).
    for (const written of ['06 12 34 56 78', '00', '000 33 6 12 34 56 78', '00 44 7700 900123', '0033 6 12']) {
      expect(normalize(written).valid, written).toBe(0);
    }
  });

  it('without a region, answers invalid without asking libphonenumber only where libphonenumber answers invalid too', () => {
    const normalize = phoneNormalizer(undefined);
    const next = random(11);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    // Real numbers, written with "+", "＋", "00" or no prefix at all, dressed as people write them.
    const numbers = ['33612345678', '33491234567', '442079460958', '447911123456', '12125550142', '3225550199', '4930901820'];
    const prefixes = ['+', '\uff0b', '00', '0', '', 'tel:+', 'tel:', '(+', '+ ', '\u00a0+'];
    const separators = ['', ' ', '.', '-', '/', '\u00a0', ') '];
    // (Not ";phone-context=+33": libphonenumber-js 1.13 reads such a number one call in two.)
    const tails = ['', '', '', ' ext. 12', ' #3', ' x', ' (soir)'];
    let readable = 0;
    let unreadable = 0;
    for (let i = 0; i < 4000; i++) {
      let digits = pick(numbers);
      if (next() < 0.2) digits = digits.slice(0, -1 - Math.floor(next() * 3)); // too short
      const sep = pick(separators);
      const written = `${pick(prefixes)}${digits.replace(/\d{2}(?=\d)/g, (pair) => (next() < 0.6 ? pair + sep : pair))}${pick(tails)}`;
      const international = written.trim().replace(/^00[\s.\-/\u00a0]*(?=[1-9])/, '+');
      const expected = slowE164(international, undefined) ?? null;
      if (expected === null) unreadable++;
      else readable++;
      expect(normalize(written).e164, written).toBe(expected);
    }
    // Both answers are common in what was generated.
    expect(readable).toBeGreaterThan(400);
    expect(unreadable).toBeGreaterThan(400);
  });

  it('without a region, agrees with libphonenumber-js on international numbers of every country', () => {
    // Each country's example mobile, its last four digits changed, written with "+" or "00".
    const normalize = phoneNormalizer(undefined);
    const next = random(5);
    let valid = 0;
    let checked = 0;
    for (const [country, national] of Object.entries(mobileExamples as Record<string, string>)) {
      const code = getCountryCallingCode(country as CountryCode);
      for (let i = 0; i < 10; i++) {
        const nsn = national.slice(0, -4) + String(Math.floor(next() * 10_000)).padStart(4, '0');
        const written = `${next() < 0.7 ? '+' : '00'}${code} ${nsn.replace(/\d{3}(?=\d)/g, '$& ')}`;
        const expected = slowE164(written.replace(/^00/, '+'), undefined) ?? null;
        if (expected !== null) valid++;
        checked++;
        expect(normalize(written).e164, `${country} ${written}`).toBe(expected);
      }
    }
    expect(checked).toBeGreaterThan(2000);
    expect(valid).toBeGreaterThan(checked / 2);
  });

  it('leaves "00" to libphonenumber when there is a region (its own international prefix: 00 in FR, 011 in the US)', () => {
    expect(phoneNormalizer('FR')('00 44 7911 123456').e164).toBe('+447911123456');
    expect(phoneNormalizer('US')('011 44 7911 123456').e164).toBe('+447911123456');
    expect(phoneNormalizer('US')('00 44 7911 123456').e164).toBe(slowE164('00 44 7911 123456', 'US') ?? null);
  });

  it('agrees with libphonenumber-js on thousands of generated numbers in several regions', () => {
    const next = random(7);
    const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
    const separators = ['', ' ', '.', '-'];
    // undefined: no region, where "+" numbers take the fast path of their calling code's main region.
    for (const region of ['FR', 'US', 'GB', 'BE', 'DE', 'CA', 'CH', 'ES', 'IT', 'NL', undefined]) {
      const normalize = phoneNormalizer(region);
      for (let i = 0; i < 1500; i++) {
        const length = 6 + Math.floor(next() * 8);
        let number = digits(length);
        const shape = next();
        if (shape < 0.4) number = `0${number}`;
        else if (shape < 0.6) number = `+${['33', '1', '44', '32', '49', '41', '34', '39', '31'][Math.floor(next() * 9)]}${number}`;
        else if (shape < 0.7) number = `1${number}`;
        const sep = separators[Math.floor(next() * separators.length)]!;
        const written = number.replace(/(\d{2})(?=\d)/g, `$1${sep}`);
        // (Without a region, "00" is read as the international prefix: see the test above.)
        const expected = slowE164(region ? written : written.replace(/^00[\s.-]*(?=[1-9])/, '+'), region) ?? null;
        expect(normalize(written).e164, `${region} ${written}`).toBe(expected);
      }
    }
  });
});
