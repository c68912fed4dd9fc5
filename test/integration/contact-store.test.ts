/**
 * The contact store of src/store/contacts.ts on a real database file: while an import looks
 * contacts up it takes a bigger page cache, the connection's own again for the writes and once the
 * import commits or rolls back; what it wrote is there. (Its statement journal in memory:
 * test/integration/journal.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.js';
import { contactImportStore } from '../../src/store/contacts.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turnout-contact-store-'));
  db = openDatabase(path.join(dir, 'turnout.db'), { create: true });
  db.exec(`INSERT INTO voters (id, first_name, last_name, identity_key) VALUES ('V1', 'Marie', 'Durand', 'marie|1962-03-14'), ('V2', 'Paul', 'Roux', 'paul|1970-01-02')`);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const settings = (): { cache: unknown; temp: unknown } => ({ cache: db.pragma('cache_size', { simple: true }), temp: db.pragma('temp_store', { simple: true }) });

describe('contactImportStore', () => {
  for (const end of ['commit', 'rollback'] as const) {
    it(`gives the connection its own page cache back for the writes and after a ${end}`, () => {
      const before = settings();
      const store = contactImportStore(db);
      store.begin();
      const found = store.votersWithIdentities(['marie|1962-03-14']) as Map<string, unknown[]>;
      expect([...found.keys()]).toEqual(['marie|1962-03-14']);
      expect(db.pragma('cache_size', { simple: true })).toBe(-64 * 1024);
      const current = store.currentOf(['V1', 'V2', 'V9'], ['phone', 'support']) as Map<string, unknown[]>;
      expect([...current]).toEqual([
        ['V1', ['V1', null, null]],
        ['V2', ['V2', null, null]],
      ]);
      expect(db.pragma('cache_size', { simple: true })).toBe(before.cache);
      store.update(['phone', 'support'], [['V1', '0612345678', 1]]);
      store[end]();
      expect(settings()).toEqual(before);
      expect(db.prepare("SELECT phone, support FROM voters WHERE id = 'V1'").get()).toEqual(end === 'commit' ? { phone: '0612345678', support: 1 } : { phone: null, support: null });
    });
  }
});
