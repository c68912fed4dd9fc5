/**
 * The contract between choosing who to remind (src/app/remind.ts) and sending to them
 * (src/app/sendReminders.ts).
 */

/** One voter a reminder stands for, with every field a template may name. */
export interface RecipientVoter {
  id: string;
  first_name: string | null;
  last_name: string | null;
  /** Every standard field and extra column of the voter, by name (values as text, null when empty). */
  fields: Record<string, string | null>;
}

/** One SMS to send: one phone number, possibly a household of several voters sharing it. */
export interface SmsRecipient {
  /** E.164, valid, not opted out, not marked unusable for SMS. */
  phone: string;
  /** The value of the --by field for these voters. */
  area: string | null;
  voters: RecipientVoter[];
}
