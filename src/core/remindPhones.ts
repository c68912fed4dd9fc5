/**
 * Phone rules for reminders. SMS goes only to numbers that can receive one: a number that
 * libphonenumber's full metadata knows to be a fixed line is left out; mobile, "fixed line or
 * mobile" (the US and Canada cannot tell) and every type it does not know are kept, so that a
 * gap in the metadata never silently drops a supporter.
 */
import { parsePhoneNumberFromString as parseMax } from 'libphonenumber-js/max';

const typeCache = new Map<string, boolean>();

/** True unless the E.164 number is known to be a fixed line. */
export function isSmsCapable(e164: string): boolean {
  let capable = typeCache.get(e164);
  if (capable === undefined) {
    capable = parseMax(e164)?.getType() !== 'FIXED_LINE';
    typeCache.set(e164, capable);
  }
  return capable;
}
