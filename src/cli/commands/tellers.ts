import type { Command } from 'commander';
import type { FieldRole, IssuedLink, IssueRequest } from '../../app/fieldAccess.js';
import { UsageError } from '../../core/errors.js';
import { action, examples } from '../action.js';
import type { CliContext } from '../context.js';
import { withStores } from '../database.js';
import { addOutputOptions, chooseFormat, RowSink, writeRows, type OutputOptions, type Row } from '../output.js';

interface AddOptions extends OutputOptions {
  precinct?: string[];
  name?: string;
  expires?: string;
  publicUrl?: string;
  from?: string;
}

const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';
const LINK_FIELDS = ['name', 'precincts', 'url', 'token', 'expires'] as const;
const LIST_FIELDS = ['name', 'precincts', 'state', 'created', 'expires', 'revoked'] as const;

export function registerTellers(program: Command): void {
  const tellers = program
    .command('tellers')
    .description('links for tellers outside polling stations: each records checks for its precincts from a phone')
    .addHelpText('after', examples('turnout tellers add --precinct 101 --name "Ana"', 'turnout tellers list', 'turnout tellers revoke Ana'));
  registerRole(tellers, 'teller');
  const staff = program
    .command('staff')
    .description('links for HQ staff: the live dashboard (/hq/<token>) and the status API')
    .addHelpText('after', examples('turnout staff add --name "HQ desk"', 'turnout staff list', 'turnout staff revoke "HQ desk"'));
  registerRole(staff, 'staff');
}

function registerRole(parent: Command, role: FieldRole): void {
  const cmd = role === 'teller' ? 'tellers' : 'staff';
  const add = parent.command('add').description(role === 'teller' ? 'issue a teller link /t/<token> (shown once: only its hash is kept)' : 'issue a dashboard link /hq/<token> (shown once)');
  if (role === 'teller') {
    add
      .option('--precinct <precinct>', 'a precinct the teller records for (repeat for several)', (v: string, all: string[] = []) => [...all, v])
      .option('--from <file>', 'issue many: a CSV of name and precincts (several separated by ; or space); prints a CSV of links');
  }
  add
    .option('--name <text>', 'who holds the link (shown on the page and in `list`)')
    .option('--expires <time>', "when the link stops working: 22:00 (today, the election's zone), 2026-03-15 22:00, or an ISO time")
    .option('--public-url <url>', `the address phones open (default: the one saved by serve or a previous add, else ${DEFAULT_PUBLIC_URL})`);
  addOutputOptions(add)
    .addHelpText(
      'after',
      role === 'teller'
        ? examples(
            'turnout tellers add --precinct 101 --name "Ana" --expires 21:00',
            'turnout tellers add --precinct 101 --precinct 102 --format json',
            'turnout tellers add --from tellers.csv --out links.csv',
          )
        : examples('turnout staff add --name "HQ desk" --expires 23:00', 'turnout staff add --name "Field director" --format json'),
    )
    .action(
      action<AddOptions>(async (ctx, options) => {
        const { issueLinks, checkPublicUrl } = await import('../../app/fieldAccess.js');
        const { electionSettings } = await import('../../app/settings.js');
        let requests: IssueRequest[];
        if (options.from !== undefined) {
          if (options.precinct !== undefined || options.name !== undefined) throw new UsageError('--from replaces --precinct and --name', { hint: 'Put every teller in the file.' });
          requests = await readTellerFile(options.from, options.expires);
        } else {
          requests = [{ role, ...(options.name !== undefined ? { name: options.name } : {}), ...(options.precinct ? { precincts: options.precinct } : {}), ...(options.expires !== undefined ? { expires: options.expires } : {}) }];
        }
        const links = await withStores(
          ctx,
          async (stores) => {
            const settings = await stores.settings();
            let publicUrl = await settings.get('public_url');
            if (options.publicUrl !== undefined) {
              publicUrl = checkPublicUrl(options.publicUrl);
              await settings.set('public_url', publicUrl);
            }
            if (publicUrl === undefined) {
              ctx.reporter.warn(`no public address saved: links use ${DEFAULT_PUBLIC_URL} (give --public-url, here or to turnout serve)`);
              publicUrl = DEFAULT_PUBLIC_URL;
            }
            return issueLinks(await stores.fieldTokens(), ctx.clock, requests, { publicUrl, timeZone: (await electionSettings(settings)).timeZone });
          },
          { create: false },
        );
        await printLinks(ctx, links, options, options.from !== undefined);
        ctx.reporter.info(`${links.length} link${links.length === 1 ? '' : 's'} issued; each is shown only now (turnout keeps only a hash). Revoke with: turnout ${cmd} revoke NAME`);
      }),
    );

  addOutputOptions(parent.command('list').description(`the ${cmd} links: name, ${role === 'teller' ? 'precincts, ' : ''}state (active, expired, revoked); never the tokens`))
    .addHelpText('after', examples(`turnout ${cmd} list`, `turnout ${cmd} list --format csv`))
    .action(
      action<OutputOptions>(async (ctx, options) => {
        const { listLinks } = await import('../../app/fieldAccess.js');
        const rows = await withStores(ctx, async (stores) => listLinks(await stores.fieldTokens(), ctx.clock, role), { create: false });
        const format = chooseFormat(ctx, options, 'csv');
        const asRows: Row[] = rows.map((r) => ({ ...r, precincts: format === 'json' || format === 'ndjson' ? (r.precincts as unknown as string) : r.precincts.join(';') }));
        await writeRows(ctx, asRows, role === 'teller' ? LIST_FIELDS : LIST_FIELDS.filter((f) => f !== 'precincts'), { format, ...(options.out ? { out: options.out } : {}) });
      }),
    );

  parent
    .command('revoke')
    .description('revoke a link at once (its next request is refused): by name (every live link of that name) or by its token or link')
    .argument('<name-or-token>', 'the name given at add, or the token / the whole link')
    .addHelpText('after', examples(`turnout ${cmd} revoke ${role === 'teller' ? 'Ana' : '"HQ desk"'}`, `turnout ${cmd} revoke https://gotv.example.org/${role === 'teller' ? 't' : 'hq'}/TOKEN`))
    .action(
      action(async (ctx, _options, args) => {
        const { revokeLinks } = await import('../../app/fieldAccess.js');
        const which = args[0] as string;
        const count = await withStores(ctx, async (stores) => revokeLinks(await stores.fieldTokens(), ctx.clock, role, which), { create: false });
        if (count === 0) {
          throw new UsageError(`no live ${role} link named or with the token "${which.length > 40 ? `${which.slice(0, 12)}…` : which}"`, { hint: `See turnout ${cmd} list.` });
        }
        ctx.reporter.info(`${ctx.err.green('✔')} revoked ${count} link${count === 1 ? '' : 's'}`);
      }),
    );
}

async function readTellerFile(file: string, expires: string | undefined): Promise<IssueRequest[]> {
  const fs = await import('node:fs');
  const { parse } = await import('csv-parse/sync');
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, { hint: 'Check the path given to --from.' });
  }
  const records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true, delimiter: [',', ';', '\t'] }) as Array<Record<string, string>>;
  if (records.length === 0) throw new UsageError(`${file} has no teller`, { hint: 'Write a header line "name,precincts", then one teller per line.' });
  if (!('precincts' in records[0]!) && !('precinct' in records[0]!)) {
    throw new UsageError(`${file} has no "precincts" column`, { hint: 'Write a header line "name,precincts"; several precincts separated by spaces or +.' });
  }
  return records.map((r) => ({
    role: 'teller' as const,
    name: r.name ?? '',
    precincts: (r.precincts ?? r.precinct ?? '').split(/[\s+|]+/).filter(Boolean),
    ...(expires !== undefined ? { expires } : {}),
  }));
}

async function printLinks(ctx: CliContext, links: IssuedLink[], options: OutputOptions, many: boolean): Promise<void> {
  const format = chooseFormat(ctx, options, many ? 'csv' : 'json');
  if (!many && format === 'json') {
    const l = links[0]!;
    const sink = RowSink.open(ctx, options.out);
    await sink.write(`${JSON.stringify({ name: l.name, precincts: l.precincts, url: l.url, token: l.token, expires: l.expires }, null, 2)}\n`);
    await sink.close();
    return;
  }
  if (format === 'table' && !options.out) {
    const qrcode = ctx.stdoutIsTTY ? (await import('qrcode-terminal')).default : undefined;
    for (const l of links) {
      let text = `${ctx.out.bold(l.name)}${l.precincts.length ? ` (precinct${l.precincts.length > 1 ? 's' : ''} ${l.precincts.join(', ')})` : ''}${l.expires ? `, until ${l.expires}` : ''}\n${l.url}\n`;
      if (qrcode) qrcode.generate(l.url, { small: true }, (qr) => (text += `${qr}\n`));
      ctx.stdout.write(`${text}\n`);
    }
    return;
  }
  const rows: Row[] = links.map((l) => ({ name: l.name, precincts: format === 'csv' ? l.precincts.join(' ') : (l.precincts as unknown as string), url: l.url, token: l.token, expires: l.expires }));
  await writeRows(ctx, rows, LINK_FIELDS, { format, ...(options.out ? { out: options.out } : {}) });
}
