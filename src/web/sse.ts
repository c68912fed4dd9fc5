import type { ServerResponse } from 'node:http';

interface Client {
  res: ServerResponse;
  /** The status options (query string) this client asked for. */
  key: string;
  /** Whether its token is still live: a link revoked or expired mid-stream is cut at the next event. */
  live: () => boolean;
}

const REVOKED = 'event: revoked\ndata: {"error":"this link is unknown, revoked or expired"}\n\n';

/**
 * The dashboards listening on /api/events. The events are computed elsewhere (the background
 * worker, see background.ts, whenever SQLite says something was committed); the hub writes them
 * to the clients that asked for those options, and a keep-alive comment every 15 s.
 */
export class EventHub {
  private readonly clients = new Set<Client>();
  private readonly latest = new Map<string, string>();
  private heartbeat: NodeJS.Timeout | undefined;

  /** `renderNow`: a client's first events, computed at once when no recent ones are at hand. */
  constructor(private readonly renderNow: (key: string) => string) {}

  get size(): number {
    return this.clients.size;
  }

  start(): void {
    this.heartbeat = setInterval(() => {
      // Revocation is checked here too, so a quiet election still cuts a revoked stream within 15 s.
      for (const c of [...this.clients]) if (this.alive(c)) c.res.write(': keep-alive\n\n');
    }, 15_000);
    this.heartbeat.unref();
  }

  add(res: ServerResponse, key: string, live: () => boolean = () => true): void {
    const client = { res, key, live };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    let text = this.latest.get(key);
    if (text === undefined) {
      text = this.renderNow(key);
      this.latest.set(key, text);
    }
    res.write(text);
  }

  /** New events, by the options they were computed for. */
  publish(texts: Record<string, string>): void {
    for (const [key, text] of Object.entries(texts)) this.latest.set(key, text);
    for (const c of [...this.clients]) {
      const text = texts[c.key];
      if (text !== undefined && this.alive(c)) c.res.write(text);
    }
  }

  /** Ends every stream (shutdown: an open stream would hold the server open). */
  stop(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private alive(c: Client): boolean {
    if (c.live()) return true;
    c.res.end(REVOKED);
    this.clients.delete(c);
    return false;
  }
}
