/**
 * What the field server (src/web) needs from a database, declared here so that the web adapter
 * never learns which engine answers: the ports of one connection at a time, and a cheap sign
 * that something was committed. src/store/field.ts (SQLite: the server's one connection) and
 * src/store/pg/fieldDatabase.ts (PostgreSQL: a pool) implement it.
 */
import type { StatusSource } from './computeStatus.js';
import type { FieldTokenStore } from './fieldAccess.js';
import type { FieldActivitySource, FieldCheckStore } from './fieldChecks.js';
import type { SettingsStore } from './stores.js';

export interface FieldPorts {
  tokens: FieldTokenStore;
  checks: FieldCheckStore;
  status: StatusSource;
  settings: SettingsStore;
  activity: FieldActivitySource;
}

export interface FieldDatabase {
  /**
   * Runs fn with the ports of one connection, for fn's length. Fails with an UnavailableError
   * while the database cannot be reached (the server answers 503 and tries again next request).
   */
  use<T>(fn: (ports: FieldPorts) => Promise<T>): Promise<T>;
  /**
   * Who presents a token, asked outside any use: every request asks it. (PostgreSQL looks up the
   * tokens of requests arriving together in one query.)
   */
  readonly tokens: Pick<FieldTokenStore, 'byHash'>;
  /** Changes whenever something the dashboards show was committed, by anyone (another server, `import checks`). */
  version(): Promise<string>;
  close(): Promise<void>;
}
