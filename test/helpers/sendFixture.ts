import path from 'node:path';
import { openDatabase, type Db } from '../../src/store/db.js';
import { tempDir } from './cli.js';
import { startFakeTwilio, type FakeTwilio } from './fakeTwilio.js';

export interface SendFixture {
  fake: FakeTwilio;
  db: Db;
  close(): Promise<void>;
}

/** A fake Twilio on loopback that accepts `authToken`, and a fresh database file in a temp folder. */
export async function openSendFixture(authToken: string, dbName: string): Promise<SendFixture> {
  const fake = await startFakeTwilio({ authToken });
  const tmp = tempDir();
  const db = openDatabase(path.join(tmp.dir, dbName));
  return {
    fake,
    db,
    async close() {
      db.close();
      tmp.cleanup();
      await fake.close();
    },
  };
}
