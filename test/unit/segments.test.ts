import { describe, expect, it } from 'vitest';
import { countSegments, isGsm7 } from '../../src/core/segments.js';

describe('SMS segments', () => {
  it('counts a plain GSM-7 text as one segment up to 160 characters', () => {
    expect(countSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(countSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(countSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(countSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
    expect(countSegments('')).toMatchObject({ segments: 0, units: 0 });
  });

  it('keeps the French accents of the GSM alphabet in GSM-7 (é è à ù ì ò, Ç, É)', () => {
    const text = 'Élection: à l’école? Non: à l\'école, où il y a été voté, Ça va.';
    // The typographic apostrophe is not GSM-7; the straight one is.
    expect(isGsm7(text)).toBe(false);
    expect(isGsm7("Élection: à l'école où été, Ça va.")).toBe(true);
  });

  it('switches to UCS-2 for ê, ç, ô, emoji, and says which characters did it', () => {
    const result = countSegments('Bonjour Hélène, votre bureau est à côté 🗳');
    expect(result.encoding).toBe('UCS-2');
    expect(result.ucs2Characters).toEqual(['ô', '🗳']);
    expect(countSegments('ê'.repeat(70))).toMatchObject({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(countSegments('ê'.repeat(71))).toMatchObject({ segments: 2 });
    expect(countSegments('ê'.repeat(134))).toMatchObject({ segments: 2 });
    expect(countSegments('ê'.repeat(135))).toMatchObject({ segments: 3 });
  });

  it('counts an emoji outside the BMP as two UTF-16 code units and never splits it', () => {
    expect(countSegments('🗳')).toMatchObject({ encoding: 'UCS-2', units: 2, segments: 1 });
    expect(countSegments('🗳'.repeat(35))).toMatchObject({ units: 70, segments: 1 });
    // 66 units of "ê" then a surrogate pair: 68 units do not fit in 67, so the pair starts part two.
    expect(countSegments(`${'ê'.repeat(66)}🗳${'ê'.repeat(3)}`)).toMatchObject({ units: 71, segments: 2 });
    expect(countSegments(`${'ê'.repeat(66)}🗳${'ê'.repeat(66)}`)).toMatchObject({ units: 134, segments: 3 });
  });

  it('charges two septets for the extension table (€ [ ] { } ~ ^ | \\) and never splits an escape', () => {
    expect(countSegments('€')).toMatchObject({ encoding: 'GSM-7', units: 2, segments: 1 });
    expect(countSegments('€'.repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(countSegments(`${'a'.repeat(159)}€`)).toMatchObject({ units: 161, segments: 2 });
    // 152 septets then an escape: 154 > 153, so the € starts the second part.
    expect(countSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toMatchObject({ units: 306, segments: 3 });
    expect(countSegments(`${'a'.repeat(151)}€${'a'.repeat(153)}`)).toMatchObject({ units: 306, segments: 2 });
  });
});
