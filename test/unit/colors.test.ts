import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { colorsFor, PLAIN_COLORS } from '../../src/cli/colors.js';

describe('colorsFor', () => {
  it('gives text back unchanged off a terminal, chained or not, like chalk at level 0', async () => {
    const c = await colorsFor('stderr', false, false, {});
    const chalk0 = new Chalk({ level: 0 });
    expect(c).toBe(PLAIN_COLORS);
    for (const [ours, theirs] of [
      [c.red('error:'), chalk0.red('error:')],
      [c.bold.green('ok', 12), chalk0.bold.green('ok', 12)],
      [c.dim(''), chalk0.dim('')],
      [c.yellow.bold.underline('3 flagged'), chalk0.yellow.bold.underline('3 flagged')],
    ]) {
      expect(ours).toBe(theirs);
    }
    expect(c.level).toBe(0);
  });

  it('colours a terminal unless NO_COLOR or --no-color, and a pipe only with FORCE_COLOR', async () => {
    expect(await colorsFor('stdout', true, true, {})).toBe(PLAIN_COLORS);
    expect(await colorsFor('stdout', false, false, { FORCE_COLOR: '0' })).toBe(PLAIN_COLORS);
    const forced = await colorsFor('stdout', false, false, { FORCE_COLOR: '1' });
    expect(forced).not.toBe(PLAIN_COLORS);
    expect(typeof forced.level).toBe('number');
  });
});
