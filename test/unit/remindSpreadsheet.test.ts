import { describe, expect, it } from 'vitest';
import { spreadsheetSafe, spreadsheetSafeRow } from '../../src/core/spreadsheet.js';

describe('spreadsheet-safe cells', () => {
  it('neutralizes cells a spreadsheet would run as a formula', () => {
    expect(spreadsheetSafe('=HYPERLINK("http://evil.example","x")')).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(spreadsheetSafe('+1+2')).toBe("'+1+2");
    expect(spreadsheetSafe('-Dupont')).toBe("'-Dupont");
    expect(spreadsheetSafe('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(spreadsheetSafe('\t=1')).toBe("'\t=1");
  });

  it('leaves ordinary text and E.164 phone numbers alone', () => {
    expect(spreadsheetSafe('Benali')).toBe('Benali');
    expect(spreadsheetSafe('Jean-Luc')).toBe('Jean-Luc');
    expect(spreadsheetSafe('+33612345678')).toBe('+33612345678');
    expect(spreadsheetSafe('+33 6 12 34 56 78')).toBe("'+33 6 12 34 56 78");
    expect(spreadsheetSafe('')).toBe('');
  });

  it('touches only the text cells of a row', () => {
    expect(spreadsheetSafeRow({ id: 'V1', last_name: '=1+1', voters: 2, email: null, phone: '+33612345678' })).toEqual({
      id: 'V1',
      last_name: "'=1+1",
      voters: 2,
      email: null,
      phone: '+33612345678',
    });
  });
});
