/**
 * Contract test: what turnout sends to Twilio is what Twilio's own published OpenAPI
 * description of its 2010-04-01 API accepts. Prism (a dev dependency, run from node_modules,
 * never through npx) serves twilio_api_v2010.json from @twilio-alpha/mcp with --errors, so a
 * request with a wrong path, missing auth or an invalid form body is answered 401/422 instead of
 * 201, and turnout would record it as failed. Prism's proxies point at a closed port: it cannot
 * reach the network.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, runTurnout, tempDir } from '../helpers/cli.js';

const SPEC = path.join(ROOT, 'node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json');
const PRISM = path.join(ROOT, 'node_modules/.bin/prism');
const ACCOUNT = 'AC' + 'e5'.repeat(16);

let prism: ChildProcess;
let base: string;
let log = '';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const closed = 'http://127.0.0.1:9';
  prism = spawn(PRISM, ['mock', '--dynamic', '--errors', '-h', '127.0.0.1', '-p', String(port), SPEC], {
    env: { ...process.env, HTTP_PROXY: closed, HTTPS_PROXY: closed, http_proxy: closed, https_proxy: closed, NO_PROXY: '', no_proxy: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('Prism is listening')) resolve();
    };
    prism.stdout!.on('data', onData);
    prism.stderr!.on('data', onData);
    prism.on('exit', (code) => reject(new Error(`prism exited (${code}): ${log.slice(-2000)}`)));
  });
}, 120_000);

afterAll(() => {
  prism?.kill('SIGTERM');
});

describe("requests against Twilio's OpenAPI description (Prism --errors)", () => {
  it('rejects what Twilio would reject: no auth, no To (so acceptance below means something)', async () => {
    const url = `${base}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const auth = { Authorization: `Basic ${Buffer.from(`${ACCOUNT}:x`).toString('base64')}` };
    expect((await fetch(url, { method: 'POST', headers: form, body: 'To=%2B33612345678&From=%2B33700000001&Body=hi' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { ...form, ...auth }, body: 'From=%2B33700000001&Body=hi' })).status).toBe(422);
    expect((await fetch(url, { method: 'POST', headers: { ...form, ...auth }, body: 'To=%2B33612345678&From=%2B33700000001&Body=hi' })).status).toBe(201);
  });

  it('accepts every message turnout sends, with a From number and with a messaging service', async () => {
    const { dir, cleanup } = tempDir();
    const mark = log.length;
    try {
      const db = path.join(dir, 'contract.db');
      expect((await runTurnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--footer', 'STOP au 36180'], { env: { TURNOUT_DB: db } })).code).toBe(0);
      expect((await runTurnout(['import', 'voters', path.join(FIXTURES, 'send-voters.csv')], { env: { TURNOUT_DB: db } })).code).toBe(0);
      const env = {
        TURNOUT_DB: db,
        TURNOUT_NOW: '2026-03-15T15:00:00+01:00',
        TWILIO_ACCOUNT_SID: ACCOUNT,
        TWILIO_AUTH_TOKEN: 'contract-token',
        TURNOUT_TWILIO_BASE_URL: base,
      };
      const args = ['remind', '--area', 'Belsunce', '--send', '--yes', '--rate', '20', '--format', 'json', '--message', 'Bonjour {first_names}, votez à {polling_place} ! 🗳'];
      const withFrom = await runTurnout(args, { env: { ...env, TWILIO_FROM: '+33700000042' } });
      expect(withFrom.stderr).not.toContain('error');
      expect(withFrom.code).toBe(0);
      expect(JSON.parse(withFrom.stdout)).toMatchObject({ recipients: 3, sent: 3, failed: 0, unknown: 0 });

      const withService = await runTurnout([...args, '--include-reminded', '--messaging-service', 'MG' + 'f6'.repeat(16)], { env });
      expect(withService.code).toBe(0);
      expect(JSON.parse(withService.stdout)).toMatchObject({ recipients: 3, sent: 3, failed: 0 });

      const rows = new Database(db, { readonly: true }).prepare('SELECT sender, sid FROM messages ORDER BY id').all() as Array<{ sender: string; sid: string }>;
      expect(rows.map((r) => r.sender)).toEqual(['+33700000042', '+33700000042', '+33700000042', ...Array(3).fill('MG' + 'f6'.repeat(16))]);
      for (const r of rows) expect(r.sid).toMatch(/^(SM|MM)[0-9a-fA-F]{32}$/);
      const ours = log.slice(mark);
      expect(ours.match(/The request passed the validation rules/g)).toHaveLength(6);
      expect(ours).not.toMatch(/violation|UNPROCESSABLE|UNAUTHORIZED/i);
    } finally {
      cleanup();
    }
  });
});
