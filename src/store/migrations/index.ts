import type Database from 'better-sqlite3';
import { foundation } from './001-foundation.js';
import { status } from './002-status.js';
import { reminders } from './003-reminders.js';
import { tallies } from './004-tallies.js';
import { lists } from './005-lists.js';
import { contacts } from './006-contacts.js';
import { purge } from './007-purge.js';
import { areas } from './008-areas.js';
import { field } from './009-field.js';
import { checksKey } from './010-checks-key.js';
import { tallyLock } from './011-tally-lock.js';

export interface Migration {
  name: string;
  up(db: Database.Database): void;
}

/** In order; the database's `user_version` is the number applied. Never edit one that has shipped: add another. */
export const migrations: readonly Migration[] = [foundation, status, reminders, tallies, lists, contacts, purge, areas, field, checksKey, tallyLock];
