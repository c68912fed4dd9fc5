import type { DemoManifest } from '../../app/demo.js';
import { RuntimeError } from '../../core/errors.js';
import type { CliContext } from '../context.js';
import { withStores } from '../database.js';

/** The reminder the demo rehearses; {first_name} names the whole household when a phone is shared. */
export const DEMO_MESSAGE = "Bonjour {first_name}, votre bureau de vote ({polling_place}) est ouvert jusqu'à 18h. Chaque voix compte !";

/**
 * The end of `turnout demo`: the day at 15:30 as the campaign sees it, through the real commands.
 * The status table, then the call sheet of the most under-mobilized quartier, then a dry run of its
 * SMS reminder. Headings go to stderr, the commands' rows to stdout, as they would when typed.
 */
export async function demoTour(ctx: CliContext, dbArgs: readonly string[], manifest: DemoManifest, globals: string[]): Promise<void> {
  const at = `${manifest.date} ${manifest.asOf}`;
  const instant = new Date(manifest.asOfInstant);
  const worst = await withStores(
    ctx,
    async (stores) => {
      const [{ computeStatus }, { electionSettings }, { statusInputFrom }] = await Promise.all([
        import('../../app/computeStatus.js'),
        import('../../app/settings.js'),
        import('./status-options.js'),
      ]);
      const input = await statusInputFrom({ at }, { timeZone: (await electionSettings(await stores.settings())).timeZone, now: instant });
      return (await computeStatus({ source: await stores.status() }, input)).areas.find((a) => a.under_mobilized)?.area ?? undefined;
    },
    { create: false },
  );

  const { runCli } = await import('../program.js');
  const run = async (heading: string, args: string[]): Promise<void> => {
    ctx.reporter.info(`\n${ctx.err.bold(heading)}\n${ctx.err.dim(`$ turnout ${args.map(quote).join(' ')}`)}`);
    const code = await runCli([...globals, ...dbArgs, ...args]);
    if (code !== 0) throw new RuntimeError(`the demo's step "turnout ${args.join(' ')}" failed (exit ${code})`);
  };

  await run(`Where supporters are not voting, at ${manifest.asOf} (flagged quartiers first):`, ['status', '--at', at, '--format', 'table']);
  if (worst === undefined || worst === null) return;
  await run(`Who to call first in ${worst}, the most under-mobilized quartier:`, [
    'remind', '--area', worst, '--channel', 'call', '--at', at, '--limit', '8', '--format', 'csv',
  ]);
  // The rehearsal happens at the demo's moment, not at whatever time it is now (quiet hours, cooldown).
  const previousNow = process.env.TURNOUT_NOW;
  process.env.TURNOUT_NOW = manifest.asOfInstant;
  try {
    await run(`The SMS reminder for ${worst}, rehearsed with --dry-run (nothing is sent, no credentials needed):`, [
      'remind', '--area', worst, '--at', at, '--send', '--dry-run', '--limit', '3', '--format', 'csv', '--message', DEMO_MESSAGE,
    ]);
  } finally {
    if (previousNow === undefined) delete process.env.TURNOUT_NOW;
    else process.env.TURNOUT_NOW = previousNow;
  }
}

function quote(arg: string): string {
  return /^[\w./:@,=-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}
