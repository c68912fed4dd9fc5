/** Reading the selection options of `turnout remind` (channel, limit, cooldown); the status options are shared with `turnout status`. */
import { UsageError } from './errors.js';
import { parseDuration } from './time.js';

export const CHANNELS = ['sms', 'call', 'door', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export function parseChannel(text: string): Channel {
  const value = text.trim().toLowerCase();
  if ((CHANNELS as readonly string[]).includes(value)) return value as Channel;
  throw new UsageError(`unknown channel "${text}"`, { hint: `Use one of: ${CHANNELS.join(', ')}.` });
}

export function parseLimit(text: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--limit must be a whole number of at least 1, got "${text}"`);
  }
  return value;
}

/** `--cooldown 2h` → milliseconds (0 allowed: no cooldown). */
export function parseCooldown(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new UsageError(`--cooldown is not a duration: "${text}"`, { hint: 'Write it like 2h, 90m, 1h30m or 0.' });
  }
  return ms;
}
