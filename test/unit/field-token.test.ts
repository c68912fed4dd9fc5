import { describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/app/fieldAccess.js';

describe('newToken', () => {
  it('draws 32 base64url characters, all different, none starting with "-" (a command line would read it as an option)', () => {
    // 4,000 draws: without the redraw, about 62 would start with "-" (1 in 64).
    const tokens = Array.from({ length: 4000 }, () => newToken());
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{31}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(new Set(tokens.map((t) => hashToken(t).toString('hex'))).size).toBe(tokens.length);
  });
});
