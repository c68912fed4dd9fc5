import { describe, expect, it } from 'vitest';
import { buildProgram, commandIn } from '../../src/cli/program.js';

describe('commandIn (which command module a start loads)', () => {
  it('finds the command after global options, skipping the value of --db', () => {
    expect(commandIn(['status', '--format', 'json'])).toBe('status');
    expect(commandIn(['--db', 'import', 'import', 'checks', 'f.csv'])).toBe('import');
    expect(commandIn(['-q', '--no-color', '--db', 'x.db', 'mark', 'V1'])).toBe('mark');
    expect(commandIn(['--db=x.db', 'unmark', 'V1'])).toBe('unmark');
  });
  it('finds none for help, --version, no command, or a typo (then every command is loaded)', () => {
    for (const argv of [[], ['--help'], ['--version'], ['statsu'], ['--', 'status']]) expect(commandIn(argv), argv.join(' ')).toBeUndefined();
  });
  it('builds only that command, or all of them', async () => {
    const names = (argv?: string[]) => buildProgram(argv).then((p) => p.commands.map((c) => c.name()).sort());
    expect(await names(['--db', 'x.db', 'checks', 'unmatched'])).toEqual(['checks', 'mark', 'unmark']);
    expect(await names(['status'])).toEqual(['status']);
    expect(await names(['--version'])).toEqual([]);
    const all = await names();
    expect(all).toEqual(await names(['no-such-command']));
    expect(all).toEqual(expect.arrayContaining(['init', 'import', 'checks', 'mark', 'unmark', 'export', 'status', 'watch', 'remind', 'optout', 'sync', 'reminders', 'demo']));
  });
});
