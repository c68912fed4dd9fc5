import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { appendFooter, chooseFooter, parseTemplate, recipientFields, render, renderAll, type TemplateRecipient } from '../../src/core/template.js';

function voter(id: string, first: string | null, extra: Record<string, string | null> = {}) {
  return { id, first_name: first, last_name: 'Benali', fields: { id, first_name: first, last_name: 'Benali', polling_place: 'École Belsunce', team: 'Nord', ...extra } };
}
const household: TemplateRecipient = { area: 'Belsunce', voters: [voter('B01', 'Amina'), voter('B02', 'Karim')] };
const KNOWN = ['id', 'first_name', 'last_name', 'polling_place', 'team', 'email'];

describe('message templates', () => {
  it('fills {field} from the voter, extra columns included, and {{ }} are literal braces', () => {
    const t = parseTemplate('Bonjour {first_name}, votez à {polling_place} ({team}) {{ok}}');
    expect(render(t, recipientFields({ area: 'Belsunce', voters: [voter('B01', 'Amina')] })).text).toBe('Bonjour Amina, votez à École Belsunce (Nord) {ok}');
  });

  it('names the whole household in {first_name} and {last_name}, or nobody when a name is missing', () => {
    const t = parseTemplate('Bonjour {first_name} {last_name}');
    expect(render(t, recipientFields(household)).text).toBe('Bonjour Amina & Karim Benali');
    const mixed = { area: 'X', voters: [voter('1', 'Bilal'), { ...voter('2', 'Sylvie'), last_name: 'Martin' }] };
    expect(render(t, recipientFields(mixed)).text).toBe('Bonjour Bilal & Sylvie Benali & Martin');
    const fallback = parseTemplate('Bonjour {first_name|à vous}');
    expect(render(fallback, recipientFields({ area: 'X', voters: [voter('1', 'Bilal'), voter('2', null)] })).text).toBe('Bonjour à vous');
  });

  it('greets the first voter of a household and names everyone with {first_names}', () => {
    const t = parseTemplate('{first_names}: {voter_count} voix à {area}');
    expect(render(t, recipientFields(household)).text).toBe('Amina & Karim: 2 voix à Belsunce');
    const three = { area: 'X', voters: [voter('1', 'A'), voter('2', 'B'), voter('3', 'C')] };
    expect(render(t, recipientFields(three)).text).toBe('A, B & C: 3 voix à X');
  });

  it('uses {field|default} when the value is empty', () => {
    const t = parseTemplate('Bonjour {first_name|à vous}, {email|}!');
    const r = { area: null, voters: [voter('B09', null, { email: '  ' })] };
    expect(render(t, recipientFields(r)).text).toBe('Bonjour à vous, !');
  });

  it('fails on an unknown placeholder before rendering anyone, listing the fields', () => {
    const t = parseTemplate('Bonjour {prenom}');
    expect(() => renderAll(t, [household], undefined, KNOWN)).toThrow(UsageError);
    expect(() => renderAll(t, [household], undefined, KNOWN)).toThrow(/unknown placeholder \{prenom\}/);
  });

  it('locates the placeholder in a template file', () => {
    const t = parseTemplate('Bonjour,\nvotez à {bureau} !', 'msg.txt');
    try {
      renderAll(t, [household], undefined, KNOWN);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).where).toEqual({ file: 'msg.txt', line: 2, column: 9 });
    }
  });

  it('fails on an empty value without default, naming the placeholder, a voter and the count', () => {
    const t = parseTemplate('Bonjour {first_name}');
    const recipients = [household, { area: null, voters: [voter('B09', null)] }, { area: null, voters: [voter('B10', '')] }];
    expect(() => renderAll(t, recipients, undefined, KNOWN)).toThrow('{first_name} is empty for 2 recipients (e.g. voter B09)');
  });

  it('appends the footer on its own line once, and chooses it by option, setting, region', () => {
    const t = parseTemplate('Bonjour {first_name} ');
    expect(renderAll(t, [household], 'STOP au 36180', KNOWN)[0]!.body).toBe('Bonjour Amina & Karim\nSTOP au 36180');
    expect(appendFooter('Vote! Reply STOP to opt out', 'Reply STOP to opt out')).toBe('Vote! Reply STOP to opt out');
    expect(chooseFooter('A', 'B', 'FR')).toBe('A');
    expect(chooseFooter(undefined, 'B', 'FR')).toBe('B');
    expect(chooseFooter(undefined, undefined, 'FR')).toBeUndefined();
    expect(chooseFooter(undefined, undefined, 'US')).toBe('Reply STOP to opt out');
  });

  it('rejects malformed templates with a hint', () => {
    expect(() => parseTemplate('Bonjour {first_name')).toThrow(/unclosed/);
    expect(() => parseTemplate('Bonjour {}')).toThrow(/malformed/);
    expect(() => parseTemplate('a } b')).toThrow(/unmatched/);
  });
});
