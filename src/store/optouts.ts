/** The opt-out list: phone numbers (E.164) that must never be texted or called. */
import type { OptoutRecord, OptoutStore } from '../app/optouts.js';
import { writeTransaction, type Db } from './db.js';

export function optoutStore(db: Db): OptoutStore {
  const insert = db.prepare('INSERT INTO optouts (phone, source, created_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING');
  const del = db.prepare('DELETE FROM optouts WHERE phone = ?');
  const all = db.prepare<[], OptoutRecord>('SELECT phone, source, created_at FROM optouts ORDER BY phone');
  return {
    add: (phone, source, at) => insert.run(phone, source, at).changes === 1,
    remove: (phone) => del.run(phone).changes === 1,
    list: () => all.iterate(),
    // The use case awaits between its statements.
    transaction: (fn) => writeTransaction(db, fn),
  };
}
