import type { Migration } from './index.js';

/** Indexes and structures for `turnout status` (issue 3). */
export const status: Migration = {
  name: 'status',
  up() {},
};
