import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './cli.js';

/** A `turnout serve` process of the built CLI on 127.0.0.1 and a free port. */
export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM and wait: its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `db`: a file, or the global options naming a database on any backend (test/helpers/backends.ts). */
export function startServer(db: string | readonly string[], args: string[] = [], env: Record<string, string> = {}): Promise<RunningServer> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) if (key.startsWith('TURNOUT_')) delete childEnv[key];
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, [BIN, ...(typeof db === 'string' ? ['--db', db] : db), 'serve', '--port', '0', ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`turnout serve did not start: ${err}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (match && timer) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          child,
          stderr: () => err,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`turnout serve exited ${code}: ${err}`));
    });
  });
}

/** fetch with the token as a Bearer header, JSON body when given; answers status and parsed JSON. */
export async function call(
  url: string,
  token: string | undefined,
  init: { method?: string; body?: unknown; raw?: string } = {},
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}
