/**
 * Every port the use cases declare, from one open database: the CLI (and any other adapter)
 * gets a Stores from the engine the user chose and hands its parts to the use cases, which never
 * learn whether SQLite or PostgreSQL answers. src/store/sqliteStores.ts and
 * src/store/pg/stores.ts implement it.
 */
import type { StatusSource } from './computeStatus.js';
import type { ExportStore } from './exportData.js';
import type { CheckImportStore } from './importChecks.js';
import type { VoterImportStore } from './importVoters.js';
import type { SettingsPort } from './initElection.js';
import type { MarkStore } from './markVoters.js';
import type { Awaitable } from './ports.js';
import type { ReminderSource } from './remind.js';
import type { MessageLog, SendLock } from './sendReminders.js';
import type { OptoutStore } from './optouts.js';
import type { ContactImportStore } from './importContacts.js';
import type { AreaImportStore } from './importAreas.js';
import type { PurgeStore } from './purge.js';
import type { SyncStore } from './sync.js';
import type { ReminderLogStore } from './reminderLog.js';
import type { ImportedFiles } from './watch.js';
import type { FieldTokenStore } from './fieldAccess.js';
import type { FieldActivitySource, FieldCheckStore } from './fieldChecks.js';

export interface SettingsStore extends SettingsPort {
  get(key: string): Awaitable<string | undefined>;
}

/**
 * Each port is made on demand and its module loaded then (a promise): a command loads the code of
 * the ports it uses only, on either engine (startup time is one of SQLite's targets).
 */
export interface Stores {
  readonly engine: 'sqlite' | 'postgres';
  settings(): Promise<SettingsStore>;
  voterImport(): Promise<VoterImportStore>;
  checkImport(): Promise<CheckImportStore>;
  status(): Promise<StatusSource>;
  export(): Promise<ExportStore>;
  mark(): Promise<MarkStore>;
  reminders(): Promise<ReminderSource>;
  messageLog(): Promise<MessageLog>;
  optouts(): Promise<OptoutStore>;
  sendLock(): Promise<SendLock>;
  /** Checks that matched no voter, oldest first. */
  unmatchedChecks(): Promise<Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>>;
  contactImport(): Promise<ContactImportStore>;
  areaImport(): Promise<AreaImportStore>;
  purge(): Promise<PurgeStore>;
  /** The message log as `turnout sync` updates it from Twilio, and the replies. */
  sync(): Promise<SyncStore>;
  /** The message log as `turnout reminders` lists it. */
  reminderLog(): Promise<ReminderLogStore>;
  /** The poll-check files `turnout watch` imported or refused, by content. */
  importedFiles(): Promise<ImportedFiles>;
  /** `turnout tellers` / `staff` links, and who presents a token to `turnout serve`. */
  fieldTokens(): Promise<FieldTokenStore>;
  /** The checks tellers send to `turnout serve`. */
  fieldChecks(): Promise<FieldCheckStore>;
  /** When each precinct and teller last sent a check. */
  fieldActivity(): Promise<FieldActivitySource>;
}
