/** Reading the selection options of `turnout remind` (channel, support levels, limit, cooldown). */
import { UsageError } from './errors.js';
import { SUPPORT_MAX, SUPPORT_MIN } from './fields.js';
import { parseDuration } from './time.js';

export const CHANNELS = ['sms', 'call', 'door', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export function parseChannel(text: string): Channel {
  const value = text.trim().toLowerCase();
  if ((CHANNELS as readonly string[]).includes(value)) return value as Channel;
  throw new UsageError(`unknown channel "${text}"`, { hint: `Use one of: ${CHANNELS.join(', ')}.` });
}

/** "1,2" → [1, 2]; each level an integer 1–5. */
export function parseSupportLevels(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const levels = parts.map(Number);
  if (parts.length === 0 || levels.some((l) => !Number.isInteger(l) || l < SUPPORT_MIN || l > SUPPORT_MAX)) {
    throw new UsageError(`--support must list levels from ${SUPPORT_MIN} to ${SUPPORT_MAX}, got "${text}"`, {
      hint: 'For example --support 1,2 (1 strong support … 5 strong opposition).',
    });
  }
  return [...new Set(levels)].sort((a, b) => a - b);
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
