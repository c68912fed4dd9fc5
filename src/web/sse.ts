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

  /**
   * `renderNow`: a client's first events, computed at once when no recent ones are at hand (a
   * promise: the status use case is asynchronous, whichever engine answers); undefined when the
   * feed publishes them soon itself (the client then gets the next publication for its options).
   */
  constructor(private readonly renderNow: (key: string) => string | Promise<string> | undefined) {}

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
    const text = this.latest.get(key);
    if (text !== undefined) {
      res.write(text);
      return;
    }
    const rendered = this.renderNow(key);
    if (rendered === undefined) return;
    const send = (first: string): void => {
      // Events published while this one was computed are newer: those are what the client gets.
      if (!this.latest.has(key)) this.latest.set(key, first);
      if (this.clients.has(client)) res.write(this.latest.get(key)!);
    };
    if (typeof rendered === 'string') send(rendered);
    else rendered.then(send, () => res.end());
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
