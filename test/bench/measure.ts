/**
 * Running a command as a separate process, the way a user would, and measuring its wall time and
 * peak resident memory: with GNU time (`/usr/bin/time -f %M`) when it is installed, else by
 * polling the child's VmHWM in /proc (Linux), else without memory figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Measured {
  code: number | null;
  /** Wall time, milliseconds. */
  ms: number;
  /** Peak resident set size, kilobytes; undefined when it could not be measured. */
  peakRssKb: number | undefined;
  /** User + system CPU time of the process and its children, milliseconds (GNU time only). */
  cpuMs: number | undefined;
  stdoutBytes: number;
  stderr: string;
  /** First kilobytes of stdout, for checks. */
  stdoutHead: string;
}

export interface RunOptions {
  /** A file to feed on stdin. */
  stdinFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

let gnuTime: boolean | undefined;
function hasGnuTime(): boolean {
  if (gnuTime === undefined) {
    const probe = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'true'], { encoding: 'utf8' });
    gnuTime = probe.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/m.test(probe.stderr ?? '');
  }
  return gnuTime;
}

export function hasCommand(name: string): boolean {
  const probe = spawnSync(name, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export function memoryMethod(): string {
  if (hasGnuTime()) return '/usr/bin/time -f %M';
  if (fs.existsSync('/proc/self/status')) return '/proc/PID/status VmHWM';
  return 'not measured';
}

function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes what earlier steps left in the page cache to disk before a measure starts, so that one
 * step's writeback is not billed to the next. On 4 December 2026 the contacts import timed right
 * after the REU imports (1.5 GB written in the minute before) took 3.04 s and 2.77 s in two runs
 * and 2.43 s and 2.57 s in the next two, its CPU time moving with it (2.99 s against 2.36 s); by
 * hand, after `sync`, the same build took 2.50–2.64 s. Not timed; POSIX `sync`, skipped where absent.
 */
function settle(): void {
  spawnSync('sync', [], { stdio: 'ignore' });
}

/** Runs `command args` to completion, once the disk has settled; stdout is counted and dropped (only its start is kept). */
export function measure(command: string, args: string[], options: RunOptions = {}): Promise<Measured> {
  settle();
  const useTime = hasGnuTime();
  const rssFile = useTime ? path.join(os.tmpdir(), `turnout-bench-rss-${process.pid}-${Date.now()}-${Math.floor(performance.now())}`) : undefined;
  const argv = useTime ? ['-f', '%M %U %S', '-o', rssFile!, command, ...args] : args;
  const program = useTime ? '/usr/bin/time' : command;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(program, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let stdoutBytes = 0;
    let head = '';
    let stderr = '';
    let peak: number | undefined;
    let cpu: number | undefined;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          const kb = child.pid === undefined ? undefined : vmHwmKb(child.pid);
          if (kb !== undefined) peak = Math.max(peak ?? 0, kb);
        }, 20);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (head.length < 4096) head += chunk.toString('utf8');
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 16_384) stderr += chunk.toString('utf8');
    });
    if (options.stdinFile) {
      child.stdin!.on('error', () => {});
      fs.createReadStream(options.stdinFile).pipe(child.stdin!);
    }
    child.on('error', (error) => {
      if (poll) clearInterval(poll);
      reject(error);
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (poll) clearInterval(poll);
      if (rssFile) {
        try {
          const text = fs.readFileSync(rssFile, 'utf8');
          // GNU time writes "Command exited with non-zero status N" before the figure when it fails.
          const lines = text.trim().split('\n');
          const [kb, user, system] = lines[lines.length - 1]!.split(' ').map(Number);
          if (Number.isFinite(kb)) peak = kb;
          if (Number.isFinite(user) && Number.isFinite(system)) cpu = (user! + system!) * 1000;
          fs.rmSync(rssFile, { force: true });
        } catch {
          // no figure
        }
      }
      resolve({ code, ms, peakRssKb: peak, cpuMs: cpu, stdoutBytes, stderr, stdoutHead: head });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The first meaningful line of a failed command's stderr, for a "not available" note. */
export function firstError(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').trim())
    .find((l) => l !== '' && !/^Command exited with non-zero status/.test(l));
  return line ?? 'no message';
}

/** A command's summary on stderr, on one line: "read 100,000 rows · inserted 100,000 · …". */
export function summaryLine(stderr: string, max = 110): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '' && !l.startsWith('✔') && !/^Command exited/.test(l));
  const text = lines.join(' · ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
