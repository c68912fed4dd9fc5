/**
 * The sending half of `turnout remind`: --send / --dry-run and their options. The remind
 * command selects the recipients and calls runSend with them.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { SmsRecipient } from '../../app/recipients.js';
import type { SendPlan, SendSummary, LockHolder } from '../../app/sendReminders.js';
import type { CliContext } from '../context.js';
import { groupDigits } from '../numbers.js';

/** Exit code when another run holds the send lock: nothing was sent by this one. */
export const LOCKED_EXIT = 4;

export interface SendCliOptions {
  send?: boolean;
  dryRun?: boolean;
  message?: string;
  template?: string;
  footer?: string;
  yes?: boolean;
  rate?: string;
  from?: string;
  messagingService?: string;
  quietHours?: string;
  /** From remind: the cooldown and --include-reminded, re-checked at send time. */
  cooldown?: string;
  includeReminded?: boolean;
  format?: string;
  out?: string;
  spreadsheetSafe?: boolean;
}

/** Adds the sending options (--send, --message, --template, --yes, --dry-run, --rate…) to `remind`. */
export function addSendOptions(command: Command): Command {
  return command
    .option('--send', 'send the SMS through Twilio (asks for confirmation on a terminal)')
    .option('--dry-run', 'render and check every message and print what would be sent, without sending')
    .option('--message <text>', 'the message; {field} placeholders, {field|default} fallbacks, e.g. "Bonjour {first_name}, votre bureau: {polling_place}"')
    .option('--template <file>', 'read the message from FILE (- for stdin)')
    .option('--footer <text>', 'opt-out footer appended to each message (default: the database setting)')
    .option('-y, --yes', 'send without asking (required without a terminal, e.g. from cron)')
    .option('--rate <n>', 'messages per second', '1')
    .option('--from <number>', 'sender number (default $TWILIO_FROM)')
    .option('--messaging-service <sid>', 'Twilio messaging service SID (default $TWILIO_MESSAGING_SERVICE_SID)')
    .addOption(new Option('--quiet-hours <window>', 'no sending in this local time window, or "off"').default('21:00-08:00'));
}

function readTemplate(ctx: CliContext, options: SendCliOptions): { text: string; file: string | undefined } {
  if (options.message !== undefined && options.template !== undefined) {
    throw usage('--message and --template both given; choose one');
  }
  if (options.message !== undefined) return { text: options.message, file: undefined };
  if (options.template === undefined) {
    throw usage('no message: give --message TEXT or --template FILE', 'e.g. --message "Bonjour {first_name}, les bureaux ferment à 20h. {polling_place|}"');
  }
  const file = options.template;
  try {
    const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8').replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').trimEnd();
    return { text, file: file === '-' ? '<stdin>' : file };
  } catch (error) {
    throw usage(`cannot read the template ${file}: ${(error as Error).message}`);
  }
}

function usage(message: string, hint?: string): UsageError {
  return new UsageError(message, hint ? { hint } : {});
}

function parseRate(text: string | undefined): number {
  const rate = Number(text ?? '1');
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1000) throw usage(`--rate must be a number of messages per second between 0 and 1000, got "${text}"`);
  return rate;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${groupDigits(n)} ${n === 1 ? one : many}`;
}

function describePlan(plan: SendPlan): string {
  const t = plan.totals;
  const enc = [t.gsm7Messages && `${t.gsm7Messages} GSM-7`, t.ucs2Messages && `${t.ucs2Messages} UCS-2`].filter(Boolean).join(', ');
  const ucs2 = t.ucs2Characters.length ? ` (UCS-2 because of ${t.ucs2Characters.slice(0, 8).map((c) => JSON.stringify(c)).join(' ')}: 70 characters per segment instead of 160)` : '';
  return `${plural(t.recipients, 'message')} for ${plural(t.voters, 'voter')}: ${plural(t.segments, 'SMS segment')} in total [${enc || 'none'}]${ucs2}`;
}

function summaryLines(s: SendSummary, ctx: CliContext): string[] {
  const lines = [
    `${s.failed + s.unknown + s.duplicate_sids > 0 ? ctx.err.yellow('!') : ctx.err.green('✔')} sent ${s.sent} of ${plural(s.recipients, 'message')} (${plural(s.segments_sent, 'segment')}) from ${s.sender}; ${s.rate_achieved}/s (asked ${s.rate_requested}/s)`,
  ];
  if (s.failed) {
    const codes = Object.entries(s.errors).map(([code, n]) => `${code}: ${n}`).join(', ');
    lines.push(`  failed: ${s.failed} (${codes})`);
  }
  if (s.optouts_recorded) lines.push(`  opt-outs recorded from Twilio error 21610: ${s.optouts_recorded}`);
  if (s.unusable_recorded) lines.push(`  numbers marked unusable for SMS: ${s.unusable_recorded}`);
  if (s.rate_limited_retries) lines.push(`  rate-limited (429) and retried: ${s.rate_limited_retries}`);
  if (s.unknown) lines.push(`  outcome unknown: ${s.unknown} (never resent blindly; run \`turnout sync\` to resolve them)`);
  if (s.duplicate_sids) {
    lines.push(`  accepted with a SID already given to another message: ${s.duplicate_sids} (recorded without it; \`turnout sync\` looks for them by number and text)`);
  }
  const k = s.skipped;
  const skipped = [
    k.opted_out && `${k.opted_out} opted out since the list was made`,
    k.unusable && `${k.unusable} unusable`,
    k.reminded && `${k.reminded} reminded meanwhile (by another run)`,
    k.unresolved && `${k.unresolved} with an unresolved earlier message (run turnout sync)`,
  ].filter(Boolean);
  if (skipped.length) lines.push(`  skipped: ${skipped.join(', ')}`);
  const why: Record<string, string> = {
    'quiet-hours': 'quiet hours began',
    interrupted: 'interrupted',
    unreachable: 'Twilio unreachable',
    'account-error': 'Twilio refused the credentials or the sender',
  };
  if (s.stopped) lines.push(`  stopped: ${why[s.stopped]}; ${plural(s.not_attempted, 'message')} not sent (a later run will send them)`);
  return lines;
}

function lockedMessage(holder: LockHolder): string {
  return `another send run is in progress (run ${holder.runId}, pid ${holder.pid} on ${holder.hostname}, since ${holder.acquiredAt}): nothing sent by this one`;
}

/** Sends reminders to the selected recipients; returns the exit code. */
export async function runSend(ctx: CliContext, rawOptions: Record<string, unknown>, recipients: SmsRecipient[]): Promise<number> {
  const options = rawOptions as SendCliOptions;
  const dryRun = options.dryRun === true;
  if (!dryRun && options.send !== true) throw usage('runSend needs --send or --dry-run');
  // Never wait for an answer nobody can give: decide before doing anything.
  if (!dryRun && !options.yes && !ctx.interactive) {
    throw usage('--send without a terminal needs --yes: there is nobody to confirm, so nothing was sent', 'Add --yes (cron jobs), or try --dry-run first to see what would be sent.');
  }
  const [{ parseTemplate, chooseFooter }, { parseQuietHours, isQuietTime, quietHoursEnd }, { parseDuration }, { VOTER_FIELDS }, send] = await Promise.all([
    import('../../core/template.js'),
    import('../../core/quietHours.js'),
    import('../../core/time.js'),
    import('../../core/fields.js'),
    import('../../app/sendReminders.js'),
  ]);
  const template = readTemplate(ctx, options);
  const parsed = parseTemplate(template.text, template.file);
  const rate = parseRate(options.rate);
  const quietHours = parseQuietHours(options.quietHours ?? '21:00-08:00');
  let cooldownMs: number | undefined;
  if (options.includeReminded !== true) {
    cooldownMs = parseDuration(options.cooldown ?? '2h');
    if (cooldownMs === undefined) throw usage(`--cooldown is not a duration: "${options.cooldown}"`, 'e.g. 2h, 90m, 1h30m');
  }
  const jsonSummary = options.format === 'json' || options.format === 'ndjson';
  const { withStores } = await import('../database.js');
  const { electionSettings } = await import('../../app/settings.js');

  return withStores(ctx, async (stores) => {
    const settings = await electionSettings(await stores.settings());
    const footer = chooseFooter(options.footer, settings.footer, settings.region);
    if (footer === undefined) {
      throw usage('no opt-out footer: French rules (CNIL) require every campaign SMS to say how to opt out', 'Record it once with turnout init --footer "STOP au 36xxx" (your short code), or give --footer.');
    }
    // The file's extra columns are fields even when nobody is left to text (a later cron run).
    const extraColumns = await (await stores.reminders()).extraColumns();
    const plan = send.planMessages(parsed, footer, recipients, send.knownFields(recipients, [...VOTER_FIELDS, 'phone_e164', ...extraColumns]));
    const now = ctx.clock.now();
    const quietNow = isQuietTime(now, quietHours, settings.timeZone);
    const quietText = quietHours ? `quiet hours (${quietHours.text} ${settings.timeZone})` : '';

    if (dryRun) {
      return dryRunOutput(ctx, options, plan, quietNow ? `${quietText}: a real run now would send nothing until ${quietHoursEnd(quietHours!)}` : undefined);
    }
    if (plan.messages.length === 0) {
      ctx.reporter.info('nothing to send');
      if (jsonSummary) ctx.stdout.write(`${JSON.stringify({ recipients: 0, sent: 0, failed: 0, unknown: 0, stopped: null })}\n`);
      return 0;
    }
    const { twilioConfig, senderOf } = await import('../../io/twilio/config.js');
    const config = twilioConfig(ctx.env, { from: options.from, messagingService: options.messagingService });
    if (quietNow) {
      ctx.reporter.info(`${quietText}: nothing sent; sending may resume at ${quietHoursEnd(quietHours!)}`);
      if (jsonSummary) ctx.stdout.write(`${JSON.stringify({ recipients: plan.messages.length, sent: 0, failed: 0, unknown: 0, stopped: 'quiet-hours' })}\n`);
      return 0;
    }
    if (!options.yes) {
      const samples = plan.messages.slice(0, 2).map((m, i) => `  sample ${i + 1} → ${m.recipient.phone}:\n${m.body.replace(/^/gm, '    │ ')}`);
      ctx.stderr.write(
        [describePlan(plan), `  sender: ${senderOf(config)}`, `  rate: ${rate}/s (about ${Math.ceil(plan.messages.length / rate)} s)`, ...samples, ''].join('\n'),
      );
      const { confirm } = await import('@inquirer/prompts');
      let ok: boolean;
      try {
        ok = await confirm({ message: `Send ${plural(plan.messages.length, 'message')} now?`, default: false }, { input: ctx.stdin, output: ctx.stderr });
      } catch (error) {
        // Ctrl-C at the prompt is a "no", not a crash.
        if ((error as Error).name !== 'ExitPromptError') throw error;
        ok = false;
      }
      if (!ok) {
        ctx.reporter.info('cancelled: nothing sent');
        return 0;
      }
    } else {
      ctx.reporter.info(`${describePlan(plan)}; sender ${senderOf(config)}`);
    }

    const [{ twilioSmsGateway }, log, sendLock, lock, { progressReporter }, { randomBytes }] = await Promise.all([
      import('../../io/twilio/gateway.js'),
      stores.messageLog(),
      stores.sendLock(),
      import('../../io/lock.js'),
      import('../progress.js'),
      import('node:crypto'),
    ]);
    const { hostname } = await import('node:os');
    const thisProcess = { pid: process.pid, hostname: hostname(), isAlive: isProcessAlive };
    const concurrency = send.defaultConcurrency(rate);
    const gateway = await twilioSmsGateway(config, concurrency);
    const reporter = await progressReporter(ctx);
    // TURNOUT_NOW fixes the start of the run; real elapsed time is added to it.
    const start = ctx.clock.now().getTime();
    const t0 = performance.now();
    const clock = { now: () => new Date(start + (performance.now() - t0)) };
    const abort = new AbortController();
    const onSignal = (): void => {
      reporter.warn('stopping: the messages in flight finish and are recorded, no new one starts');
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const runId = `${new Date(start).toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    let outcome;
    try {
      outcome = await send.sendReminders(
        plan,
        {
          runId,
          rate,
          concurrency,
          quietHours,
          timeZone: settings.timeZone,
          cooldownMs,
          signal: abort.signal,
          progressLinesMs: ctx.stderrIsTTY || ctx.quiet ? 0 : 15_000,
        },
        {
          gateway,
          log,
          lock: sendLock,
          owner: { pid: thisProcess.pid, hostname: thisProcess.hostname },
          isStale: (holder, at) => lock.holderIsStale(holder, at, thisProcess),
          clock,
          timer: { monotonic: () => performance.now(), sleep: cancellableSleep },
          reporter,
        },
      );
    } finally {
      reporter.stop();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    switch (outcome.kind) {
      case 'quiet':
        ctx.reporter.info(`${quietText}: nothing sent; sending may resume at ${outcome.resumesAt}`);
        if (jsonSummary) ctx.stdout.write(`${JSON.stringify({ recipients: plan.messages.length, sent: 0, failed: 0, unknown: 0, stopped: 'quiet-hours' })}\n`);
        return 0;
      case 'locked':
        ctx.reporter.warn(lockedMessage(outcome.holder));
        if (jsonSummary) ctx.stdout.write(`${JSON.stringify({ recipients: plan.messages.length, sent: 0, failed: 0, unknown: 0, stopped: 'locked', locked_by: outcome.holder })}\n`);
        return LOCKED_EXIT;
      case 'done': {
        const s = outcome.summary;
        ctx.reporter.info(summaryLines(s, ctx).join('\n'));
        if (jsonSummary) ctx.stdout.write(`${JSON.stringify(s)}\n`);
        // A provider whose answers cannot be trusted needs a look too, though everything was accepted.
        return s.failed + s.unknown + s.duplicate_sids > 0 ? 3 : 0;
      }
    }
  });
}

async function dryRunOutput(ctx: CliContext, options: SendCliOptions, plan: SendPlan, quietNote: string | undefined): Promise<number> {
  const { chooseFormat, writeRows } = await import('../output.js');
  let sender = '(no sender configured)';
  try {
    const { twilioConfig, senderOf } = await import('../../io/twilio/config.js');
    sender = senderOf(twilioConfig(ctx.env, { from: options.from, messagingService: options.messagingService }));
  } catch {
    // A dry run needs no credentials; the real run will say what is missing.
  }
  ctx.reporter.info(`dry run, nothing sent: ${describePlan(plan)}; sender ${sender}`);
  if (quietNote) ctx.reporter.warn(quietNote);
  const safe = options.spreadsheetSafe ? (await import('../../core/spreadsheet.js')).spreadsheetSafeRow : <R>(row: R): R => row;
  const rows = plan.messages.map((m) => safe({
    phone: m.recipient.phone,
    voter_ids: m.recipient.voters.map((v) => v.id).join('; '),
    names: m.recipient.voters.map((v) => [v.first_name, v.last_name].filter(Boolean).join(' ')).join('; '),
    area: m.recipient.area,
    encoding: m.segments.encoding,
    segments: m.segments.segments,
    body: m.body,
  }));

  const format = chooseFormat(ctx, { format: options.format as 'csv' | 'json' | 'ndjson' | undefined, out: options.out }, 'csv', false);
  await writeRows(ctx, rows, ['phone', 'voter_ids', 'names', 'area', 'encoding', 'segments', 'body'], { format, out: options.out });
  return 0;
}

/** Waits `ms`, or less when `signal` aborts; the timer is cleared then, so that no wait outlives the run. */
function cancellableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timeout);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timeout = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: an existence check only
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
