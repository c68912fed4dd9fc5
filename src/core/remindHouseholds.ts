/**
 * One row per contact point. Voters arrive in priority order; those who share a contact point
 * (a phone, a door, an e-mail address) are gathered into one contact, placed where its first
 * (highest-priority) member would have been. That member is the contact's "primary".
 */

export interface Contact<T> {
  key: string;
  /** In priority order: the first is the primary. */
  members: T[];
}

/**
 * Groups `items` (already in priority order) by contact key, keeping first-occurrence order.
 * `keyOf` returns undefined for an item that cannot be contacted this way.
 */
export function groupContacts<T>(items: Iterable<T>, keyOf: (item: T) => string | undefined): Contact<T>[] {
  const contacts: Contact<T>[] = [];
  const byKey = new Map<string, Contact<T>>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const existing = byKey.get(key);
    if (existing) {
      existing.members.push(item);
    } else {
      const contact = { key, members: [item] };
      contacts.push(contact);
      byKey.set(key, contact);
    }
  }
  return contacts;
}

export interface NamedVoter {
  id: string;
  first_name: string | null;
  last_name: string | null;
}

/** What a row's `names` column holds: "First Last; First Last", in priority order. */
export function joinNames(voters: readonly NamedVoter[]): string {
  return voters.map(fullName).join('; ');
}

/** What a row's `ids` column holds: "V1; V2". */
export function joinIds(voters: readonly NamedVoter[]): string {
  return voters.map((v) => v.id).join('; ');
}

export function fullName(voter: NamedVoter): string {
  return [voter.first_name, voter.last_name].filter((p) => p !== null && p.trim() !== '').join(' ').trim();
}

/** The key that makes two written e-mail addresses the same mailbox; undefined when it is not one. */
export function emailKey(email: string | null): string | undefined {
  const value = email?.trim().toLowerCase();
  if (!value || !/^[^\s@]+@[^\s@]+$/.test(value)) return undefined;
  return value;
}
