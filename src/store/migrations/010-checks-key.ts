import type { Migration } from './index.js';

/**
 * Version 10 is PostgreSQL's: there the checks lose their foreign key to the voters (see
 * src/store/pg/migrations.ts, `checksKey`). SQLite keeps its own: its check is an index lookup in
 * the same process, a few microseconds a row. The number is taken here too, so that both engines
 * count their versions alike (`turnout copy` and the refusal of a newer schema compare them).
 */
export const checksKey: Migration = {
  name: 'checks-key',
  up() {},
};
