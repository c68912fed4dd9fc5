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

/** One event of a server's event stream, and when it arrived. */
export type StreamEvent = { event: string; data: any; at: number };

/**
 * Opens a server's event stream and reads its events into `events` (in arrival order) until
 * `stop()`. The response is returned for its status and headers.
 */
export async function listenEvents(url: string, events: StreamEvent[]): Promise<{ response: Response; stop(): Promise<void> }> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (response.body === null) return { response, stop: async () => {} };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
      }
    }
  })().catch(() => {});
  return {
    response,
    stop: async () => {
      controller.abort();
      await pump;
    },
  };
}
