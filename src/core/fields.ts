/** The standard voter fields, in export order. Every other column of a voter file is an "extra". */
export const VOTER_FIELDS = [
  'id',
  'first_name',
  'last_name',
  'phone',
  'email',
  'street_number',
  'street',
  'city',
  'zip',
  'precinct',
  'neighborhood',
  'polling_place',
  'list_number',
  'support',
  'turnout_score',
  // Official lists (issue 11): the REU's birth name, all given names, birth date (as written), list
  // type, and the address lines beyond number and street.
  'birth_name',
  'given_names',
  'birth_date',
  'list_type',
  'address_2',
  'address_3',
  'locality',
] as const;
export type VoterField = (typeof VOTER_FIELDS)[number];

export function isVoterField(name: string): name is VoterField {
  return (VOTER_FIELDS as readonly string[]).includes(name);
}

/** Support levels: 1 strong support … 5 strong opposition (the NationBuilder / VAN convention). */
export const SUPPORT_MIN = 1;
export const SUPPORT_MAX = 5;
export const DEFAULT_SUPPORTERS: readonly number[] = [1, 2];
