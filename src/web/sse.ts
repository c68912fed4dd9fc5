import type { ServerResponse } from 'node:http';

interface Client {
  res: ServerResponse;
  /** Whether its token is still live: a link revoked or expired mid-stream is cut at the next event. */
  live: () => boolean;
  /** The status options (query string) this client asked for. */
  key: string;
}

/**
 * The dashboards listening on /api/events. Every ~250 ms the server asks SQLite whether any
 * connection committed since (PRAGMA data_version on a connection of its own, so the server's
 * own writes count too, and so do `import checks`, `watch` and `mark` in other processes), and
 * on a change sends each client a fresh `status` (and `activity`): a check shows within ~0.3 s.
 */
export class EventHub {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private version: number | undefined;
  /** No new render before this (performance.now()): rendering takes at most ~1/4 of the time. */
  private nextRender = 0;

  constructor(
    private readonly changed: () => number,
    private readonly render: (key: string) => Array<{ event: string; data: unknown }>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 250,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  start(): void {
    this.version = this.changed();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.heartbeat = setInterval(() => {
      // Revocation is checked here too, so a quiet election still cuts a revoked stream within 15 s.
      for (const c of [...this.clients]) {
        if (c.live()) c.res.write(': keep-alive\n\n');
        else {
          c.res.end('event: revoked\ndata: {"error":"this link is unknown, revoked or expired"}\n\n');
          this.clients.delete(c);
        }
      }
    }, 15_000);
    this.timer.unref();
    this.heartbeat.unref();
  }

  add(res: ServerResponse, key: string, live: () => boolean = () => true): void {
    const client = { res, key, live };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    this.send([client]);
  }

  /** Ends every stream (shutdown: an open stream would hold the server open). */
  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private poll(): void {
    try {
      if (this.clients.size === 0 || performance.now() < this.nextRender) return;
      const version = this.changed();
      if (version === this.version) return;
      this.version = version;
      // The status of a 1M-voter election takes ~100 ms to compute, on the thread that answers the
      // tellers: under a steady load, renders are spaced to three times their cost (each still
      // within a second of the change while a render costs under ~250 ms).
      const started = performance.now();
      this.send([...this.clients]);
      const cost = performance.now() - started;
      this.nextRender = started + Math.max(this.intervalMs, 4 * cost);
    } catch (error) {
      this.onError(error);
    }
  }

  private send(clients: Client[]): void {
    const byKey = new Map<string, string>();
    for (const c of clients) {
      if (!c.live()) {
        c.res.end('event: revoked\ndata: {"error":"this link is unknown, revoked or expired"}\n\n');
        this.clients.delete(c);
        continue;
      }
      let text = byKey.get(c.key);
      if (text === undefined) {
        try {
          text = this.render(c.key)
            .map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`)
            .join('');
        } catch (error) {
          text = `event: failure\ndata: ${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n\n`;
        }
        byKey.set(c.key, text);
      }
      c.res.write(text);
    }
  }
}
