/**
 * Phone numbers to E.164. libphonenumber-js (with its "max" metadata, so that validity checks the
 * real number ranges, not only lengths) is the authority; it costs 5–8 µs a call, which would
 * dominate a million-row import. So the common shapes of a voter file (national numbers with or
 * without the trunk prefix, "+<country code of the region>" numbers, with spaces, dots, dashes or
 * parentheses) go through a fast path built from the same metadata: it accepts a number only when
 * libphonenumber's own validity rule (national pattern, then one of the type patterns with its
 * possible lengths) holds, and hands everything else (other countries, "00" prefixes, extensions,
 * invalid numbers) to libphonenumber. test/unit/phone.test.ts checks both agree.
 */
import { Metadata, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export interface NormalizedPhone {
  /** The number as written, trimmed; null when empty. */
  phone: string | null;
  /** E.164 (+33612345678); null when empty or invalid. */
  e164: string | null;
  /** 1 valid, 0 could not be normalized, null no phone. */
  valid: 0 | 1 | null;
}

export type PhoneNormalizer = (raw: string) => NormalizedPhone;

const TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;

interface FastPlan {
  callingCode: string;
  /** Trunk prefix stripped from national numbers ("0" in FR), or "" when the region has none. */
  trunk: string;
  general: RegExp;
  /** The calling code belongs to this region alone, so a number failing its rules is invalid (no other region to try). */
  sole: boolean;
  /** International call prefix ("00"): such numbers are left to libphonenumber. */
  idd: RegExp;
  types: Array<{ pattern: RegExp; lengths: readonly number[] | undefined }>;
}

interface TypeDefinition {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlan {
  callingCode(): string;
  IDDPrefix(): string;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  nationalNumberPattern(): string;
  type(type: string): TypeDefinition | undefined;
}

function fastPlanFor(region: string): FastPlan | undefined {
  const metadata = new Metadata() as unknown as {
    selectNumberingPlan(c: string): void;
    numberingPlan: NumberingPlan;
    getCountryCodesForCallingCode(code: string): string[] | undefined;
  };
  metadata.selectNumberingPlan(region);
  const plan = metadata.numberingPlan;
  const forParsing = plan.nationalPrefixForParsing();
  // Regions whose trunk prefix is a pattern or is rewritten (AR, MX, BR…) always take the slow path.
  if (plan.nationalPrefixTransformRule()) return undefined;
  if (forParsing && !/^\d+$/.test(forParsing)) return undefined;
  const types: FastPlan['types'] = [];
  for (const name of TYPES) {
    const type = plan.type(name);
    const pattern = type?.pattern();
    if (!type || !pattern) continue;
    types.push({ pattern: new RegExp(`^(?:${pattern})$`), lengths: type.possibleLengths() });
  }
  if (types.length === 0) return undefined;
  return {
    callingCode: plan.callingCode(),
    trunk: forParsing ?? '',
    general: new RegExp(`^(?:${plan.nationalNumberPattern()})$`),
    sole: (metadata.getCountryCodesForCallingCode(plan.callingCode()) ?? []).length === 1,
    idd: new RegExp(`^(?:${plan.IDDPrefix() || '$^'})`),
    types,
  };
}

function validNational(plan: FastPlan, nsn: string): boolean {
  if (!plan.general.test(nsn)) return false;
  for (const type of plan.types) {
    if (type.lengths && !type.lengths.includes(nsn.length)) continue;
    if (type.pattern.test(nsn)) return true;
  }
  return false;
}

/** Separators people put in numbers; anything else (letters, "ext", "#", "*") takes the slow path. */
const SEPARATORS = /[\s.\-()/\u00a0]/g;
const DIGITS = /^\+?\d+$/;

/**
 * The fast path: the E.164 form when it is sure the number is valid, null when it is sure the
 * number is invalid (a national number, trunk prefix written, of the wrong shape for a region that
 * shares its calling code with no other), else undefined (ask libphonenumber).
 */
function fastE164(plan: FastPlan, text: string): string | null | undefined {
  const compact = text.replace(SEPARATORS, '');
  if (!DIGITS.test(compact)) return undefined;
  let nsn: string;
  if (compact.charCodeAt(0) === 43 /* + */) {
    if (!compact.startsWith(plan.callingCode, 1)) return undefined;
    nsn = compact.slice(1 + plan.callingCode.length);
  } else if (plan.trunk !== '' && compact.startsWith(plan.trunk)) {
    nsn = compact.slice(plan.trunk.length);
    if (validNational(plan, nsn)) return `+${plan.callingCode}${nsn}`;
    // libphonenumber keeps the prefix when stripping it leaves an impossible length: then the
    // whole number must be valid as it stands.
    if (plan.sole && !plan.idd.test(compact) && !validNational(plan, compact)) return null;
    return undefined;
  } else {
    nsn = compact;
  }
  return validNational(plan, nsn) ? `+${plan.callingCode}${nsn}` : undefined;
}

/** libphonenumber's answer: E.164 when valid, else undefined. */
export function slowE164(text: string, region: string | undefined): string | undefined {
  const parsed = region
    ? parsePhoneNumberFromString(text, { defaultCountry: region as CountryCode })
    : parsePhoneNumberFromString(text);
  return parsed && parsed.isValid() ? parsed.number : undefined;
}

/**
 * "00" then a country code, the international call prefix of most of the world (ITU-T E.164's
 * recommendation: all of Europe, Africa, most of Asia and Latin America): `0033 6…`, `00 44 7…`.
 */
const ZERO_ZERO = /^00[\s.\-/\u00a0]*(?=[1-9])/;

/**
 * Without a region: the fast plan of a "+" number's calling code, that of the code's main region
 * (the one libphonenumber tries first: US for +1, GB for +44), built once per code. Calling codes
 * are 1 to 3 digits and none is the start of another.
 */
function callingCodePlans(): (international: string) => FastPlan | undefined {
  const metadata = new Metadata() as unknown as { getCountryCodesForCallingCode(code: string): string[] | undefined };
  /** Per prefix of 1 to 3 digits: its region's plan, 'slow' (a calling code without a fast plan) or 'no code'. */
  const plans = new Map<string, FastPlan | 'slow' | 'no code'>();
  return (international) => {
    if (international.charCodeAt(0) !== 43 /* + */) return undefined;
    const digits = international.slice(1).replace(SEPARATORS, '');
    for (let length = 1; length <= 3 && length <= digits.length; length++) {
      const code = digits.slice(0, length);
      let plan = plans.get(code);
      if (plan === undefined) {
        if (!/^\d+$/.test(code)) return undefined;
        const main = metadata.getCountryCodesForCallingCode(code)?.[0];
        plan = main === undefined ? 'no code' : (fastPlanFor(main) ?? 'slow');
        plans.set(code, plan);
      }
      if (plan === 'no code') continue; // try one digit more
      return plan === 'slow' ? undefined : plan;
    }
    return undefined;
  };
}

/**
 * A normalizer for numbers of `region` (ISO 3166 alpha-2). Without a region only international
 * numbers can be read: `+33…`, or `0033…` (a national number cannot be told from a number
 * dialled with "00" there, so "00" is read as the international prefix; with a region,
 * libphonenumber reads that region's own prefix). An invalid number is kept as written with valid = 0.
 */
export function phoneNormalizer(region: string | undefined): PhoneNormalizer {
  const plan = region ? fastPlanFor(region) : undefined;
  const planOf = region ? undefined : callingCodePlans();
  return (raw) => {
    const phone = raw.trim();
    if (phone === '') return { phone: null, e164: null, valid: null };
    const international = region ? phone : phone.replace(ZERO_ZERO, '+');
    // Without a region, libphonenumber reads a number only from a plus sign (the fullwidth "＋"
    // is let through too, in case a version reads it): without one it answers "invalid", after
    // 8 µs a call. A voter file of national numbers imported before `init --region` spent 8 s per
    // million rows there.
    if (!region && !/[+\uff0b]/.test(international)) return { phone, e164: null, valid: 0 };
    // A "+" number takes the fast path of its calling code's main region.
    const fastPlan = plan ?? planOf?.(international);
    const fast = fastPlan ? fastE164(fastPlan, international) : undefined;
    const e164 = fast === undefined ? slowE164(international, region) : fast;
    return e164 === undefined || e164 === null ? { phone, e164: null, valid: 0 } : { phone, e164, valid: 1 };
  };
}
