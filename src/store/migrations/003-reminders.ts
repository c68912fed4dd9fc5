import type { Migration } from './index.js';

/** Opt-outs, the message log and send locks (issue 4). */
export const reminders: Migration = {
  name: 'reminders',
  up() {},
};
