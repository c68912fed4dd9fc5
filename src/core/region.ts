/**
 * The default phone region, checked against libphonenumber-js's metadata. Apart from
 * src/core/settings.ts so that reading the settings (every command) does not load
 * libphonenumber-js (~110 modules, ~40 ms): only the commands that take --region do.
 */
import { isSupportedCountry } from 'libphonenumber-js';
import { UsageError } from './errors.js';

export function normalizeRegion(input: string): string {
  const region = input.trim().toUpperCase();
  if (!isSupportedCountry(region)) {
    throw new UsageError(`unknown phone region "${input}"`, {
      hint: 'Use a two-letter country code such as FR, US, GB, BE, DE.',
    });
  }
  return region;
}
