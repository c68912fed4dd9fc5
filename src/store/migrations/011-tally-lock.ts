import type { Migration } from './index.js';

/**
 * Version 11 is PostgreSQL's: there a voter whose support or area changes, and a check for that
 * voter written at the same moment by another connection, are put in order by an advisory lock
 * (see src/store/pg/migrations.ts, `tallyLock`). SQLite has one writer at a time, so nothing can
 * cross there. The number is taken here too, so that both engines count their versions alike.
 */
export const tallyLock: Migration = {
  name: 'tally-lock',
  up() {},
};
