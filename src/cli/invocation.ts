/**
 * How the user runs turnout, so that the commands it prints (the demo's next steps, hints, help
 * examples) work when pasted. Installed (`npm install -g`, `npm link`), `turnout` is on PATH;
 * run through npx from a clone, it is not, and `npx turnout …` is what works.
 *
 * npx (and `npm exec`) run a package's bin with npm_command=exec and npm_lifecycle_script set to
 * the command it runs (`'turnout'`, quoted). Both are checked: a turnout started by something
 * else that npx runs (`npx vitest`, a script) inherits npm_command=exec but not that script. PATH
 * cannot tell: npx puts a link to the bin first on PATH while it runs.
 */

/** `turnout`, `npx turnout`, or `npx --prefix DIR turnout`. */
export type Invocation = string;

/**
 * From the environment and the current folder. npx finds turnout in the project around the
 * current folder (npm_config_local_prefix): run from elsewhere (`npx --prefix ~/turnout turnout`),
 * the commands printed name that project, or they would not work from here.
 */
export function detectInvocation(env: Readonly<Record<string, string | undefined>>, cwd: string): Invocation {
  const script = (env.npm_lifecycle_script ?? '').trim();
  const first = /^(['"]?)([^'"\s]+)\1(?:\s|$)/.exec(script)?.[2];
  if (env.npm_command !== 'exec' || first !== 'turnout') return 'turnout';
  const project = env.npm_config_local_prefix;
  if (project === undefined || project === '' || isInside(cwd, project)) return 'npx turnout';
  return `npx --prefix ${shellWord(project)} turnout`;
}

function isInside(dir: string, root: string): boolean {
  const r = root.replace(/\/+$/, '');
  return dir === r || dir.startsWith(`${r}/`) || dir.startsWith(`${r}\\`);
}

function shellWord(text: string): string {
  return /^[\w./~:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Every top-level command and the global options, as the word after `turnout` in a command
 * line (test/unit/invocation.test.ts checks the list against the program).
 */
export const COMMAND_WORDS = ['init', 'import', 'checks', 'mark', 'unmark', 'export', 'status', 'watch', 'remind', 'optout', 'sync', 'reminders', 'purge', 'serve', 'tellers', 'staff', 'demo', 'copy'] as const;

// `turnout` starting a command line: followed by a command, an option or a usage placeholder,
// not part of a path or a file name (turnout.db, ~/turnout/), not already after npx, not in prose
// ("supporter turnout by area").
const COMMAND_LINE = new RegExp(`(?<![\\w./~-]|npx |npx --prefix \\S+ )turnout(?= (?:${COMMAND_WORDS.join('|')})\\b| -{1,2}[a-zA-Z]| \\[)`, 'g');

/** `text` with the turnout command lines in it written as the user runs turnout. */
export function asInvoked(text: string, invocation: Invocation): string {
  return invocation === 'turnout' ? text : text.replace(COMMAND_LINE, () => invocation);
}
