/**
 * SMS message templates: text with `{field}` placeholders (any voter field or extra column of
 * the voter file) and `{field|default}` fallbacks. `{{` and `}}` write literal braces.
 *
 * A household sharing one phone gets one message, and its greeting names all of them or none:
 * `{first_name}` (and its alias `{first_names}`) names everyone the message stands for
 * ("Amina & Karim", "Amina, Karim & Sara"), and is empty when one of them has no first name;
 * `{last_name}` joins their distinct last names the same way ("Benali", "Benali & Martin").
 * Other fields are those of the first voter (the selection puts the highest-priority voter
 * first); `{voter_count}` counts them.
 */
import { DataError, UsageError, type SourceLocation } from './errors.js';

export interface Placeholder {
  name: string;
  /** The text after `|`, when given (may be empty: `{city|}` renders nothing). */
  fallback: string | undefined;
  /** Offset of the `{` in the template text. */
  offset: number;
}

export type TemplatePart = string | Placeholder;

export interface Template {
  text: string;
  parts: TemplatePart[];
  /** Where the template came from, for error locations: a file, or undefined for --message. */
  file: string | undefined;
}

/** Fields computed for every message, beyond the voter's own. */
export const COMPUTED_FIELDS = ['first_names', 'voter_count', 'area'] as const;

export function parseTemplate(text: string, file?: string): Template {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '{' && text[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (ch === '}' && text[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (ch === '{') {
      const close = text.indexOf('}', i + 1);
      const inner = close === -1 ? undefined : text.slice(i + 1, close);
      if (inner === undefined || inner.includes('{')) {
        throw templateError(`unclosed "{" in the message`, text, i, file, 'Close the placeholder, e.g. {first_name}, or write {{ for a literal brace.');
      }
      const bar = inner.indexOf('|');
      const name = (bar === -1 ? inner : inner.slice(0, bar)).trim();
      if (!/^[^\s{}|][^{}|]*$/u.test(name)) {
        throw templateError(`empty or malformed placeholder "{${inner}}"`, text, i, file, 'Name a voter field, e.g. {first_name} or {polling_place|your polling place}.');
      }
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ name, fallback: bar === -1 ? undefined : inner.slice(bar + 1), offset: i });
      i = close + 1;
    } else if (ch === '}') {
      throw templateError(`unmatched "}" in the message`, text, i, file, 'Write }} for a literal brace.');
    } else {
      literal += ch;
      i++;
    }
  }
  if (literal) parts.push(literal);
  return { text, parts, file };
}

export function placeholdersOf(template: Template): Placeholder[] {
  return template.parts.filter((p): p is Placeholder => typeof p !== 'string');
}

/** 1-based line and column of an offset. */
export function locate(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function templateError(message: string, text: string, offset: number, file: string | undefined, hint: string): Error {
  if (file === undefined) return new UsageError(`--message: ${message}`, { hint });
  const where: SourceLocation = { file, ...locate(text, offset) };
  return new DataError(message, { where, hint });
}

/** What a message is rendered from: the voters it stands for (first = the one greeted). */
export interface TemplateVoter {
  id: string;
  first_name: string | null;
  last_name: string | null;
  fields: Record<string, string | null>;
}

export interface TemplateRecipient {
  area: string | null;
  voters: TemplateVoter[];
}

/** "A", "A & B", "A, B & C": language-neutral. */
export function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} & ${names[names.length - 1]}`;
}

/** Every voter's name joined ("A & B"), or null when one of them has none: all of them or none. */
function allNames(names: Array<string | null>, distinct = false): string | null {
  const trimmed = names.map((n) => (n ?? '').trim());
  if (trimmed.length === 0 || trimmed.some((n) => n === '')) return null;
  return joinNames(distinct ? [...new Set(trimmed)] : trimmed);
}

/** The values a recipient's message may use. */
export function recipientFields(recipient: TemplateRecipient): Record<string, string | null> {
  const first = recipient.voters[0];
  const fields: Record<string, string | null> = { ...(first?.fields ?? {}) };
  if (first) {
    fields.id = first.id;
    fields.first_name = first.first_name ?? fields.first_name ?? null;
    fields.last_name = first.last_name ?? fields.last_name ?? null;
  }
  if (recipient.voters.length > 1) {
    fields.first_name = allNames(recipient.voters.map((v) => v.first_name));
    fields.last_name = allNames(recipient.voters.map((v) => v.last_name), true);
  }
  fields.first_names = allNames(recipient.voters.map((v) => v.first_name));
  fields.voter_count = String(recipient.voters.length);
  fields.area = recipient.area ?? fields.area ?? null;
  return fields;
}

function lookup(fields: Record<string, string | null>, name: string): { known: boolean; value: string | null } {
  if (Object.hasOwn(fields, name)) return { known: true, value: fields[name] ?? null };
  const lower = name.toLowerCase();
  const key = Object.keys(fields).find((k) => k.toLowerCase() === lower);
  return key === undefined ? { known: false, value: null } : { known: true, value: fields[key] ?? null };
}

export interface RenderResult {
  text: string;
  /** Placeholders whose field does not exist. */
  unknown: Placeholder[];
  /** Placeholders whose value is empty and have no default. */
  empty: Placeholder[];
}

export function render(template: Template, fields: Record<string, string | null>): RenderResult {
  let text = '';
  const unknown: Placeholder[] = [];
  const empty: Placeholder[] = [];
  for (const part of template.parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const { known, value } = lookup(fields, part.name);
    if (!known) unknown.push(part);
    if (value !== null && value.trim() !== '') text += value.trim();
    else if (part.fallback !== undefined) text += part.fallback;
    else if (known) empty.push(part);
  }
  return { text, unknown, empty };
}

/**
 * Renders every recipient's message, or throws before anything is sent: an unknown placeholder
 * (naming the fields that exist) or an empty value without a default (naming a voter who lacks it).
 * `knownFields` are fields that exist even when a recipient lacks them (extra columns).
 */
export function renderAll<R extends TemplateRecipient>(template: Template, recipients: R[], footer: string | undefined, knownFields: readonly string[]): Array<{ recipient: R; body: string }> {
  const known = new Set([...knownFields, ...COMPUTED_FIELDS]);
  for (const p of placeholdersOf(template)) {
    if (known.has(p.name) || [...known].some((k) => k.toLowerCase() === p.name.toLowerCase())) continue;
    if (recipients.length > 0 && lookup(recipientFields(recipients[0]!), p.name).known) continue;
    const names = [...known].sort().join(', ');
    throw templateError(`unknown placeholder {${p.name}}`, template.text, p.offset, template.file, `Fields you can use: ${names}.`);
  }
  const out: Array<{ recipient: R; body: string }> = [];
  const emptyCounts = new Map<string, { count: number; example: string; placeholder: Placeholder }>();
  for (const recipient of recipients) {
    const fields = recipientFields(recipient);
    for (const name of known) if (!Object.hasOwn(fields, name)) fields[name] = null;
    const result = render(template, fields);
    for (const p of result.empty) {
      const seen = emptyCounts.get(p.name);
      if (seen) seen.count++;
      else emptyCounts.set(p.name, { count: 1, example: recipient.voters[0]?.id ?? '?', placeholder: p });
    }
    out.push({ recipient, body: appendFooter(result.text, footer) });
  }
  const first = [...emptyCounts.values()][0];
  if (first) {
    const others = [...emptyCounts.keys()].slice(1).map((n) => `{${n}}`);
    const message =
      `{${first.placeholder.name}} is empty for ${first.count} recipient${first.count === 1 ? '' : 's'} (e.g. voter ${first.example})` +
      (others.length ? `; also empty: ${others.join(', ')}` : '') +
      '; nothing was sent';
    throw templateError(message, template.text, first.placeholder.offset, template.file, `Give a default, e.g. {${first.placeholder.name}|…}, or fill the field in the voter file.`);
  }
  return out;
}

/** The opt-out footer on its own line, unless the message already ends with it. */
export function appendFooter(body: string, footer: string | undefined): string {
  const text = body.trimEnd();
  if (footer === undefined || footer.trim() === '') return text;
  const f = footer.trim();
  return text.endsWith(f) ? text : `${text}\n${f}`;
}

export const ENGLISH_FOOTER = 'Reply STOP to opt out';

/**
 * The footer to use: --footer, else the database's setting, else a default for the region.
 * France has none: the CNIL requires an opt-out the campaign can honour, and its wording
 * depends on the sender (a reply to a long code, or "STOP au 36xxx" for a short code), so the
 * campaign must write it once (`turnout init --footer …`). Returns undefined in that case.
 */
export function chooseFooter(option: string | undefined, setting: string | undefined, region: string | undefined): string | undefined {
  if (option !== undefined && option.trim() !== '') return option.trim();
  if (setting !== undefined && setting.trim() !== '') return setting.trim();
  if (region === 'FR') return undefined;
  return ENGLISH_FOOTER;
}
