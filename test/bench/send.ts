/**
 * Bench section "send" (issue 4): 10,000 reminders through `turnout remind --send --rate 500`
 * to the loopback fake Twilio answering in about 20 ms; then again with the fake answering 429
 * to one request in ten. Reports the achieved rate against the requested one (target ≥ 95%) and
 * checks that every message was delivered exactly once (one accepted message per phone at the
 * fake, one 'queued' row per phone in the database).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startFakeTwilio, type FakeRule } from '../helpers/fakeTwilio.js';
import type { BenchContext, BenchRow } from './types.js';

const COUNT = 10_000;
const RATE = 500;
const ACCOUNT = 'AC' + '7b'.repeat(16);
const TOKEN = 'bench-token';
const FROM = '+33700000500';

function run(ctx: BenchContext, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(ctx.node, [ctx.bin, ...args], { env, cwd: ctx.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - start }));
  });
}

function votersCsv(file: string): void {
  const lines = ['id,first_name,last_name,phone,neighborhood,polling_place,support,turnout_score'];
  for (let i = 0; i < COUNT; i++) {
    const phone = `06 ${String(10_000_000 + i).replace(/(\d{2})(\d{2})(\d{2})(\d{2})/, '$1 $2 $3 $4')}`;
    lines.push(`B${i},Prénom${i},Nom${i},${phone},Quartier ${i % 20},École ${i % 20},1,50`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

async function scenario(ctx: BenchContext, label: string, script: FakeRule[], csv: string): Promise<BenchRow[]> {
  const db = path.join(ctx.dir, `${label.replace(/\W+/g, '-')}.db`);
  const base = { ...ctx.env, TURNOUT_DB: db };
  const init = await run(ctx, ['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--footer', 'STOP au 36180'], base);
  const imported = await run(ctx, ['import', 'voters', csv], base);
  if (init.code !== 0 || imported.code !== 0) {
    return [{ section: 'send', measure: label, result: 'n/a', note: `not available: ${(init.stderr + imported.stderr).split('\n').find((l) => l.includes('error')) ?? 'setup failed'}` }];
  }
  const fake = await startFakeTwilio({ latencyMs: 20, script, authToken: TOKEN });
  try {
    const env = { ...base, TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM, TURNOUT_TWILIO_BASE_URL: fake.url };
    ctx.log(`${label}: sending ${COUNT.toLocaleString('en-US')} reminders at --rate ${RATE}`);
    const sent = await run(ctx, ['remind', '--channel', 'sms', '--send', '--yes', '--rate', String(RATE), '--quiet-hours', 'off', '--format', 'json', '--message', 'Bonjour {first_name}, votre bureau {polling_place} ferme à 20h.'], env);
    let summary: { sent?: number; failed?: number; unknown?: number; rate_achieved?: number; rate_limited_retries?: number } = {};
    try {
      summary = JSON.parse(sent.stdout.trim().split('\n').pop() ?? '{}');
    } catch {
      // reported below
    }
    const perPhone = new Map<string, number>();
    for (const m of fake.messages) perPhone.set(m.to, (perPhone.get(m.to) ?? 0) + 1);
    const duplicates = [...perPhone.values()].filter((n) => n > 1).length;
    const exactlyOnce = perPhone.size === COUNT && duplicates === 0 && summary.sent === COUNT;
    const achieved = summary.rate_achieved ?? 0;
    const share = achieved / RATE;
    return [
      {
        section: 'send',
        measure: `${label}: achieved rate`,
        turnout: `${achieved.toFixed(1)}/s`,
        reference: `${RATE}/s asked`,
        ratio: `${(share * 100).toFixed(1)}%`,
        target: '≥ 95%',
        result: share >= 0.95 ? 'PASS' : 'MISS',
        note: `exit ${sent.code}, wall ${(sent.ms / 1000).toFixed(1)} s${summary.rate_limited_retries ? `, ${summary.rate_limited_retries} 429s retried` : ''}`,
      },
      {
        section: 'send',
        measure: `${label}: delivered exactly once`,
        turnout: `${perPhone.size.toLocaleString('en-US')} phones, ${duplicates} duplicates`,
        reference: `${COUNT.toLocaleString('en-US')} phones`,
        target: 'each once',
        result: exactlyOnce ? 'PASS' : 'MISS',
        note: `sent ${summary.sent ?? '?'}, failed ${summary.failed ?? '?'}, unknown ${summary.unknown ?? '?'}, ${fake.messagePosts().length.toLocaleString('en-US')} POSTs`,
      },
    ];
  } finally {
    await fake.close();
  }
}

export async function benchSend(ctx: BenchContext): Promise<BenchRow[]> {
  fs.mkdirSync(ctx.dir, { recursive: true });
  const csv = path.join(ctx.dir, 'send-voters.csv');
  votersCsv(csv);
  return [
    ...(await scenario(ctx, 'fake answering in 20 ms', [], csv)),
    ...(await scenario(ctx, '429 on one request in ten', [{ every: 10, respond: { status: 429, code: 20429, message: 'Too Many Requests' } }], csv)),
  ];
}
