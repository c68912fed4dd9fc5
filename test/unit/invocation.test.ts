import { describe, expect, it } from 'vitest';
import { asInvoked, COMMAND_WORDS, detectInvocation } from '../../src/cli/invocation.js';
import { buildProgram } from '../../src/cli/program.js';

describe('detectInvocation', () => {
  it('is npx turnout when npx (or npm exec) runs the turnout bin', () => {
    const clone = { npm_command: 'exec', npm_config_local_prefix: '/home/ana/turnout' };
    expect(detectInvocation({ ...clone, npm_lifecycle_script: "'turnout'", npm_lifecycle_event: 'npx' }, '/home/ana/turnout')).toBe('npx turnout');
    expect(detectInvocation({ ...clone, npm_lifecycle_script: 'turnout demo' }, '/home/ana/turnout/fixtures')).toBe('npx turnout');
    expect(detectInvocation({ npm_command: 'exec', npm_lifecycle_script: '"turnout" "status"' }, '/tmp')).toBe('npx turnout');
  });

  it('names the project with --prefix when npx ran it from outside (npx --prefix DIR turnout)', () => {
    expect(detectInvocation({ npm_command: 'exec', npm_lifecycle_script: "'turnout'", npm_config_local_prefix: '/home/ana/turnout' }, '/home/ana/turnout-night')).toBe(
      'npx --prefix /home/ana/turnout turnout',
    );
    expect(detectInvocation({ npm_command: 'exec', npm_lifecycle_script: "'turnout'", npm_config_local_prefix: "/home/ana/Mes projets/l'app" }, '/tmp')).toBe(
      "npx --prefix '/home/ana/Mes projets/l'\\''app' turnout",
    );
    expect(asInvoked('run turnout sync', 'npx --prefix /a/b turnout')).toBe('run npx --prefix /a/b turnout sync');
    expect(asInvoked('run npx --prefix /a/b turnout sync', 'npx --prefix /a/b turnout')).toBe('run npx --prefix /a/b turnout sync');
  });

  it('is turnout otherwise: installed on PATH, run by node, or started by another tool npx runs', () => {
    expect(detectInvocation({}, '/tmp')).toBe('turnout');
    expect(detectInvocation({ PATH: '/usr/local/bin' }, '/tmp')).toBe('turnout');
    expect(detectInvocation({ npm_command: 'exec', npm_lifecycle_script: "'vitest'" }, '/tmp')).toBe('turnout');
    expect(detectInvocation({ npm_command: 'exec', npm_lifecycle_script: "'turnout-helper'" }, '/tmp')).toBe('turnout');
    expect(detectInvocation({ npm_command: 'run-script', npm_lifecycle_script: 'turnout demo' }, '/tmp')).toBe('turnout');
  });
});

describe('asInvoked', () => {
  it('writes command lines as npx turnout …', () => {
    const lines: Array<[string, string]> = [
      ['  turnout --db turnout-demo.db status --at "2026-03-15 15:30"', '  npx turnout --db turnout-demo.db status --at "2026-03-15 15:30"'],
      ['TURNOUT_NOW=2026-03-15T15:30:00+01:00 turnout --db x.db remind --send', 'TURNOUT_NOW=2026-03-15T15:30:00+01:00 npx turnout --db x.db remind --send'],
      ['run `turnout sync` to resolve them', 'run `npx turnout sync` to resolve them'],
      ['(kept; see turnout checks unmatched)', '(kept; see npx turnout checks unmatched)'],
      ['Usage: turnout [options] [command]', 'Usage: npx turnout [options] [command]'],
      ['  $ turnout import voters a.csv && turnout import checks b.csv', '  $ npx turnout import voters a.csv && npx turnout import checks b.csv'],
      ['$ turnout -q demo', '$ npx turnout -q demo'],
    ];
    for (const [text, expected] of lines) expect(asInvoked(text, 'npx turnout'), text).toBe(expected);
  });

  it('leaves prose, file names and commands already written with npx alone', () => {
    for (const text of [
      'Supporter turnout by neighborhood, as of 2026-03-15 15:30',
      'turnout scores not in 0–100, left empty: 3',
      'supporter turnout per area: where supporters are not voting',
      './turnout-demo.db is already the demo database',
      '~/turnout/import voters.csv',
      'default: $TURNOUT_DB, else ./turnout.db',
      'npx turnout demo',
      'this looks like a bug in turnout; please report it',
    ]) {
      expect(asInvoked(text, 'npx turnout'), text).toBe(text);
    }
    expect(asInvoked('turnout demo', 'turnout')).toBe('turnout demo');
  });

  it('knows every top-level command of the program', async () => {
    const program = await buildProgram();
    expect([...COMMAND_WORDS].sort()).toEqual(program.commands.map((c) => c.name()).sort());
  });
});
