import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../src/cli/numbers.js';

describe('groupDigits', () => {
  it('writes what toLocaleString("en-US") writes for whole numbers', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 349_683, 1_234_567_890, -1234, -999]) {
      expect(groupDigits(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
  });
  it('keeps a fraction as it is', () => {
    expect(groupDigits(12345.5)).toBe('12,345.5');
  });
});
