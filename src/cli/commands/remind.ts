import { Option, type Command } from 'commander';
import { action, examples } from '../action.js';
import { addOutputOptions, chooseFormat, writeRows, type OutputOptions } from '../output.js';
import { withStores } from '../database.js';
import { addSendOptions, runSend } from './remind-send.js';
import { addStatusOptions, statusInputFrom, type StatusCliOptions } from './status-options.js';
import { groupDigits } from '../numbers.js';

interface RemindOptions extends OutputOptions, StatusCliOptions {
  channel: string;
  area?: string[];
  underMobilized?: boolean;
  limit?: string;
  cooldown: string;
  includeReminded?: boolean;
  spreadsheetSafe?: boolean;
  /** From addSendOptions (the sending half). */
  send?: boolean;
  dryRun?: boolean;
}

export function registerRemind(program: Command): void {
  const command = program
    .command('remind')
    .description(
      'list the supporters still to contact (SMS, call sheet, walk list, e-mail), most useful first; with --send, text them',
    )
    .addOption(new Option('--channel <channel>', 'how they will be contacted').choices(['sms', 'call', 'door', 'email']).default('sms'));
  addStatusOptions(command)
    .option('--area <name...>', 'only these areas (repeatable; case and accents ignored)')
    .option('--under-mobilized', 'only the areas `turnout status` flags as under-mobilized (same options, same rule)')
    .option('--limit <n>', 'at most N rows (messages, calls, doors, e-mails), the most useful first')
    .option('--cooldown <duration>', 'leave out voters this tool reminded within this time', '2h')
    .option('--include-reminded', 'list voters even if they were reminded within the cooldown')
    .option('--spreadsheet-safe', "prefix ' to cells a spreadsheet would run as formulas (=, +, -, @), except E.164 phones");
  addOutputOptions(command, false);
  addSendOptions(command);
  command
    .addHelpText(
      'after',
      `
Rows: one per contact point (phone number, door, e-mail address). id, first_name and last_name
are the row's first voter in priority order; voters, ids and names ("; "-separated) list every
voter the row stands for. Order: areas as \`turnout status\` orders them (flagged first, then by
shortfall), then turnout_score closest to 50 first (unknown scores last), then id; the walk list
(--channel door) is in walking order instead: precinct, street, odd side then even side.
Messages (--send, --dry-run): a household sharing a phone gets one message whose {first_name}
and {last_name} name all of them ("Bonjour Amina & Karim"), or are empty when one name is
missing ({first_name|à vous} gives a fallback); other fields are the first voter's.
${examples(
  'turnout remind --area Belsunce --limit 200 > belsunce-sms.csv',
  'turnout remind --channel door --by precinct --area 101 --area 102 --spreadsheet-safe --out walk.csv',
  'turnout remind --channel call --support 1 --format json',
  'turnout remind --under-mobilized --dry-run --template reminder.txt',
)}`,
    )
    .action(
      action<RemindOptions>(async (ctx, options) => {
        const { UsageError } = await import('../../core/errors.js');
        const { parseChannel, parseCooldown, parseLimit } = await import('../../core/remindSelection.js');
        const { selectReminders, reminderRow, smsRecipients, REMIND_COLUMNS } = await import('../../app/remind.js');
        const { electionSettings } = await import('../../app/settings.js');

        const channel = parseChannel(options.channel);
        const sending = options.send === true || options.dryRun === true;
        if (sending && channel !== 'sms') {
          throw new UsageError(`--send and --dry-run work with --channel sms only (got ${channel})`, {
            hint: 'Drop --send to print the list, or use --channel sms.',
          });
        }
        const limit = options.limit === undefined ? undefined : parseLimit(options.limit);
        const cooldownMs = parseCooldown(options.cooldown);
        const now = ctx.clock.now();

        const outcome = await withStores(
          ctx,
          async (stores) => {
            const settings = await electionSettings(await stores.settings());
            const status = await statusInputFrom(options, { timeZone: settings.timeZone, now });
            const source = await stores.reminders();
            const result = await selectReminders({ source, status: await stores.status() }, {
              channel,
              status,
              underMobilized: options.underMobilized === true,
              areas: options.area,
              limit,
              cooldownMs,
              includeReminded: options.includeReminded === true,
              now,
              forSending: sending,
            });
            return { result, recipients: sending ? await smsRecipients(source, result.contacts) : undefined };
          },
          { create: false },
        );

        const { summary } = outcome.result;
        for (const warning of outcome.result.warnings) ctx.reporter.warn(warning);
        ctx.reporter.info(describe(summary, options.cooldown, options.underMobilized === true));
        if (outcome.recipients) return runSend(ctx, options as unknown as Record<string, unknown>, outcome.recipients);

        const safe = options.spreadsheetSafe ? (await import('../../core/spreadsheet.js')).spreadsheetSafeRow : undefined;
        const rows = outcome.result.contacts.map((c) => {
          const row = reminderRow(channel, c);
          return safe ? safe(row) : row;
        });
        await writeRows(ctx, rows, REMIND_COLUMNS[channel], { format: chooseFormat(ctx, options, 'csv', false), out: options.out });
        return 0;
      }),
    );
}

type Summary = import('../../app/remind.js').RemindSummary;

const ROW_NOUN: Record<Summary['channel'], [string, string]> = {
  sms: ['text message', 'text messages'],
  call: ['phone number to call', 'phone numbers to call'],
  door: ['door', 'doors'],
  email: ['e-mail address', 'e-mail addresses'],
};

function plural(n: number, one: string, many: string): string {
  return `${groupDigits(n)} ${n === 1 ? one : many}`;
}

/** One paragraph on stderr: what was listed, for whom, where, and who was left out and why. */
function describe(summary: Summary, cooldown: string, underMobilized: boolean): string {
  const [one, many] = ROW_NOUN[summary.channel];
  const areas = summary.areas.map((a) => a.area ?? '(no value)');
  const kind = underMobilized ? 'under-mobilized area' : 'area';
  const where =
    areas.length === 0
      ? `no ${kind} by ${summary.areaField}${underMobilized ? ' right now' : ' with supporters'}`
      : `${plural(areas.length, kind, `${kind}s`)} by ${summary.areaField}: ${areas.slice(0, 5).join(', ')}${areas.length > 5 ? ', …' : ''}`;
  const lines = [
    `${plural(summary.rows, one, many)} for ${plural(summary.voters, 'supporter', 'supporters')} who have not voted (${where})`,
  ];
  const l = summary.leftOut;
  const reasons = [
    l.noPhone && `${l.noPhone} without a valid phone number`,
    l.optedOut && `${l.optedOut} opted out`,
    l.landline && `${l.landline} on a landline`,
    l.smsUnusable && `${l.smsUnusable} on a number that cannot take SMS`,
    l.noEmail && `${l.noEmail} without an e-mail address`,
    l.noAddress && `${l.noAddress} without a street address`,
    l.reminded && `${l.reminded} reminded within ${cooldown} (--include-reminded lists them)`,
  ].filter((r): r is string => typeof r === 'string');
  if (reasons.length > 0) lines.push(`left out: ${reasons.join(', ')}`);
  if (summary.limitedOut > 0) lines.push(`--limit left out ${plural(summary.limitedOut, 'more row', 'more rows')}`);
  return lines.join('\n');
}
