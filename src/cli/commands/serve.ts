import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { action, examples } from '../action.js';

interface ServeOptions {
  host: string;
  port: string;
  publicUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  log: string;
  rateLimit: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/i;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('the field server: teller pages (/t/<token>), the HQ dashboard (/hq/<token>) and their JSON API, on this database')
    .option('--host <address>', 'address to listen on (non-loopback needs --tls-cert/--tls-key or --insecure-http)', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--public-url <url>', 'the address phones open (behind a proxy: https://gotv.example.org); saved for `tellers add`')
    .option('--tls-cert <file>', 'TLS certificate (PEM) to serve HTTPS')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--insecure-http', 'allow plain HTTP on a non-loopback address (tokens would cross the network in clear)')
    .option('--log <format>', 'request log on stderr: text or json', 'text')
    .option('--rate-limit <n>', 'requests per minute per link, on average (bursts of twice that, at least 120); 0: no limit', '600')
    .addHelpText(
      'after',
      `
Tokens are never logged: a page address is logged as /t/[token]. The server stops on Ctrl-C
or SIGTERM after the requests in flight are answered. Other commands (status, import, watch,
remind) keep working on the same database while it runs.
${examples(
  'turnout serve',
  'turnout serve --public-url https://gotv.example.org   # behind Caddy or nginx on this machine',
  'turnout serve --host 0.0.0.0 --port 8443 --tls-cert cert.pem --tls-key key.pem --public-url https://10.0.0.5:8443',
)}`,
    )
    .action(
      action<ServeOptions>(async (ctx, options) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${options.port}" is not a port number`, { hint: 'For example --port 8080.' });
        const rate = Number(options.rateLimit);
        if (!Number.isFinite(rate) || rate < 0) throw new UsageError(`--rate-limit "${options.rateLimit}" is not a number of requests per minute`, { hint: 'For example --rate-limit 600, or 0 for none.' });
        if (options.log !== 'text' && options.log !== 'json') throw new UsageError(`--log must be text or json, not "${options.log}"`, { hint: 'For example --log json.' });
        if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
          throw new UsageError('--tls-cert and --tls-key go together', { hint: 'Give both PEM files, or neither (and a reverse proxy for TLS).' });
        }
        const tls = options.tlsCert !== undefined;
        if (!tls && !LOOPBACK.test(options.host) && !options.insecureHttp) {
          throw new UsageError(`--host ${options.host} without TLS would send every teller's token in clear`, {
            hint: 'Give --tls-cert and --tls-key, or keep --host 127.0.0.1 behind a TLS reverse proxy (see README), or add --insecure-http for a closed network.',
          });
        }
        const { checkPublicUrl } = await import('../../app/fieldAccess.js');
        const publicUrl = options.publicUrl === undefined ? undefined : checkPublicUrl(options.publicUrl);
        const fs = await import('node:fs');
        const readPem = (file: string, what: string): Buffer => {
          try {
            return fs.readFileSync(file);
          } catch (error) {
            throw new UsageError(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`, { hint: `Check the --tls-${what} path.` });
          }
        };
        const https = tls ? { cert: readPem(options.tlsCert!, 'cert'), key: readPem(options.tlsKey!, 'key') } : undefined;

        const { buildServer } = await import('../../web/server.js');
        const { isPostgresTarget } = await import('../../core/databaseUrl.js');
        const fixedNow = ctx.env.TURNOUT_NOW ? ctx.clock.now().toISOString() : undefined;
        let field: import('../../app/fieldServer.js').FieldDatabase;
        let events: import('../../web/events.js').EventFeed;
        let closeDatabase: () => Promise<void>;
        if (isPostgresTarget(ctx.dbPath)) {
          // PostgreSQL: a pool of connections; dashboard events polled from this thread.
          const { openPgFieldDatabase } = await import('../../store/pg/fieldDatabase.js');
          const { pollingEvents } = await import('../../web/events.js');
          field = await openPgFieldDatabase(ctx.dbPath, {
            ...(ctx.dbSchema === undefined ? {} : { schema: ctx.dbSchema }),
            ...(ctx.dbTimeoutMs === undefined ? {} : { statementTimeoutMs: ctx.dbTimeoutMs }),
          });
          if (publicUrl !== undefined) await field.use(async (ports) => ports.settings.set('public_url', publicUrl));
          events = pollingEvents(field, () => ctx.clock.now(), 500);
          closeDatabase = () => field.close();
        } else {
          const { openDatabase } = await import('../../store/db.js');
          const { settingsStore } = await import('../../store/settings.js');
          const { sqliteFieldDatabase } = await import('../../store/field.js');
          const { workerEvents } = await import('../../web/events.js');
          // A write waits at most 3 s for another command's lock (import checks holds it ~0.5 s for
          // 10,000 checks): better-sqlite3 waits on this thread, so a longer wait would freeze every
          // request, reads included. Past it the POST gets a 503 and the phone's queue sends it again.
          const db = openDatabase(ctx.dbPath, { create: false, busyTimeoutMs: 3000 });
          if (publicUrl !== undefined) settingsStore(db).set('public_url', publicUrl);
          // Checkpoints run in the server's worker thread (see web/background.ts); other commands keep their own automatic ones.
          db.pragma('wal_autocheckpoint = 0');
          field = sqliteFieldDatabase(db);
          events = workerEvents({ file: ctx.dbPath, pollMs: 250, checkpointMs: 1000, ...(fixedNow ? { fixedNow } : {}) });
          closeDatabase = async () => void db.close();
        }
        // Log lines are gathered and written once per turn of the event loop (a write per request
        // cost ~6 % of a busy server's time), and flushed before it exits.
        let pendingLog = '';
        const flushLog = (): void => {
          const text = pendingLog;
          pendingLog = '';
          if (text !== '') process.stderr.write(text);
        };
        const writeLog = (line: string): void => {
          if (pendingLog === '') setImmediate(flushLog);
          pendingLog += line;
        };
        const log =
          options.log === 'json'
            ? (e: object) => writeLog(`${JSON.stringify(e)}\n`)
            : (e: { time: string; method: string; path: string; status: number; ms: number }) => writeLog(`${e.time} ${e.method} ${e.path} ${e.status} ${e.ms}ms\n`);
        const { app, stop: stopServer } = await buildServer({
          db: field,
          events,
          clock: ctx.clock,
          log,
          ratePerMinute: rate,
          rateBurst: Math.max(120, rate * 2),
          ...(https ? { https } : {}),
        });
        try {
          await app.listen({ host: options.host, port });
        } catch (error) {
          await stopServer();
          await closeDatabase();
          const code = (error as NodeJS.ErrnoException).code;
          throw new UsageError(`cannot listen on ${options.host}:${port}: ${(error as Error).message}`, {
            hint: code === 'EADDRINUSE' ? 'Another program uses that port: choose another with --port.' : 'Check --host and --port.',
          });
        }
        const address = app.server.address();
        const actualPort = typeof address === 'object' && address !== null ? address.port : port;
        const local = `${tls ? 'https' : 'http'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${actualPort}`;
        process.stderr.write(`turnout serve: listening on ${local}${publicUrl ? ` (public address ${publicUrl})` : ''}; Ctrl-C stops\n`);

        await new Promise<void>((resolve) => {
          const stop = (signal: string): void => {
            process.off('SIGINT', onInt);
            process.off('SIGTERM', onTerm);
            flushLog();
            process.stderr.write(`turnout serve: ${signal}: finishing the requests in flight\n`);
            void stopServer().then(resolve, resolve);
          };
          const onInt = (): void => stop('SIGINT');
          const onTerm = (): void => stop('SIGTERM');
          process.on('SIGINT', onInt);
          process.on('SIGTERM', onTerm);
        });
        flushLog();
        await closeDatabase();
        process.stderr.write('turnout serve: stopped\n');
      }),
    );
}
