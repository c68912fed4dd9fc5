/**
 * Colours for one output stream. A stream that shows none (not a terminal, NO_COLOR, --no-color)
 * gets a plain stand-in and chalk is not even loaded: that is every cron run, pipe and script,
 * and loading chalk (with supports-color) cost ~20 ms of each start.
 */
import type { ChalkInstance } from 'chalk';

type Plain = ((...text: unknown[]) => string) & { readonly [style: string]: Plain };

/** Chalk's interface at level 0: every style, chained or not, returns its text unchanged. */
const plain: Plain = new Proxy((...text: unknown[]) => text.join(' '), {
  get(target, property) {
    // Not a promise (`then`) and no symbol protocols: only chalk's style names chain.
    if (property === 'then' || typeof property === 'symbol') return undefined;
    if (property === 'level') return 0;
    if (property === 'visible') return () => '';
    return plain;
  },
}) as Plain;

export const PLAIN_COLORS = plain as unknown as ChalkInstance;

export async function colorsFor(stream: 'stdout' | 'stderr', isTTY: boolean, disabled: boolean, env: NodeJS.ProcessEnv): Promise<ChalkInstance> {
  if (disabled) return PLAIN_COLORS;
  // supports-color also honours FORCE_COLOR on a pipe: only then is chalk worth loading off a terminal.
  if (!isTTY && (env.FORCE_COLOR === undefined || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false')) return PLAIN_COLORS;
  const { Chalk, supportsColor, supportsColorStderr } = await import('chalk');
  const support = stream === 'stdout' ? supportsColor : supportsColorStderr;
  return new Chalk({ level: support ? support.level : 0 });
}
