import { describe, expect, it } from 'vitest';
import { isOptOutReply, OPTOUT_KEYWORDS } from '../../src/core/optoutKeywords.js';

describe('opt-out replies', () => {
  it('recognizes every keyword alone, whatever its case and surrounding spaces', () => {
    for (const keyword of OPTOUT_KEYWORDS) {
      expect(isOptOutReply(keyword), keyword).toBe(true);
      expect(isOptOutReply(`  ${keyword.toLowerCase()}\n`), keyword).toBe(true);
    }
    expect(isOptOutReply('Stop')).toBe(true);
    expect(isOptOutReply('arrêt')).toBe(true);
    expect(isOptOutReply('Arre\u0302t')).toBe(true); // decomposed accent, as some phones send it
    expect(isOptOutReply('STOP!')).toBe(true);
    expect(isOptOutReply('stop all')).toBe(true);
  });

  it('does not take a sentence that contains a keyword for an opt-out', () => {
    expect(isOptOutReply("Don't stop, I will vote at 6")).toBe(false);
    expect(isOptOutReply('stop please')).toBe(false);
    expect(isOptOutReply('STOPPED')).toBe(false);
    expect(isOptOutReply('Merci, j’ai voté')).toBe(false);
    expect(isOptOutReply('')).toBe(false);
    expect(isOptOutReply('START')).toBe(false);
  });
});
