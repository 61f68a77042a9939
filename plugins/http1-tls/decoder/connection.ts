// One traced connection: works out which side the process is on, runs one
// MessageStream per direction, and pairs requests with responses in order.
import { CallTracker } from './call-tracker';
import { requestFraming, responseFraming, switchesProtocol, type Framing } from './head';
import type { Message } from './message';
import { MessageStream, type StreamHost } from './message-stream';
import { buildRecord, exchangeComplete, type ConnFacts, type Exchange } from './record';
import type { StartKind } from './start-line';
import type { CapturedChunk, Http1Record } from './types';

export interface ConnectionOptions {
  readonly maxBody: number;
  readonly maxHead: number;
  readonly maxPending: number;
  readonly redact: ReadonlySet<string>;
  readonly onRecord: (r: Http1Record) => void;
  /** Called at most once per connection. */
  readonly onUnparsable: (why: string) => void;
}

export class Http1Connection implements StreamHost {
  /** Set by the first start line seen, in either direction. */
  role: 'client' | 'server' | null = null;
  /** The first bytes were not HTTP/1, or the connection switched protocols: all else is dropped. */
  ignored = false;
  lastTs: number;
  private reported = false;
  private local: string | null;
  private remote: string | null;
  private readonly streams: Record<'write' | 'read', MessageStream>;
  private readonly trackers: Record<'write' | 'read', CallTracker>;
  private exchanges: Exchange[] = [];

  /** Not the chunk itself: its data may be a view of a large ring-buffer slab. */
  private readonly id: { readonly tls: boolean; readonly pid: number; readonly fd: number };

  constructor(first: CapturedChunk, private readonly opts: ConnectionOptions) {
    this.id = { tls: first.tls, pid: first.pid, fd: first.fd };
    this.lastTs = first.ts;
    this.local = first.local;
    this.remote = first.remote;
    const so = { maxBody: opts.maxBody, maxHead: opts.maxHead, tls: first.tls };
    this.streams = { write: new MessageStream('write', this, so), read: new MessageStream('read', this, so) };
    this.trackers = { write: new CallTracker(this.streams.write), read: new CallTracker(this.streams.read) };
  }

  push(c: CapturedChunk): void {
    if (this.ignored) return;
    this.lastTs = c.ts;
    this.local = c.local ?? this.local;
    this.remote = c.remote ?? this.remote;
    const tracker = this.trackers[c.direction];
    if (tracker.startsCall(c)) this.trackers[c.direction === 'write' ? 'read' : 'write'].close();
    tracker.push(c);
  }

  /** The connection closed or the tracing stopped (`cause`): emit what is pending, with an error. */
  end(cause: string): void {
    if (this.ignored) return;
    this.trackers.write.close();
    this.trackers.read.close();
    this.streams.write.end(cause);
    this.streams.read.end(cause);
    for (const ex of this.exchanges) {
      if (!ex.respLost && !ex.resp?.done) ex.error = `${cause} before response`;
      this.emit(ex);
    }
    this.exchanges = [];
    this.ignored = true;
  }

  started(stream: MessageStream, kind: StartKind): boolean {
    if (this.role === null) {
      this.role = (stream.direction === 'write') === (kind === 'request') ? 'client' : 'server';
      return true;
    }
    return kind === this.kindOf(stream);
  }

  head(stream: MessageStream, msg: Message): Framing | string {
    const h = msg.head;
    if (h.kind === 'request') {
      const framing = requestFraming(h);
      if (typeof framing !== 'string') this.addExchange({ req: msg, resp: null, respLost: false });
      return framing;
    }
    const ex = this.unanswered();
    const framing = responseFraming(h, ex?.req?.head.method ?? null);
    // 1xx (but 101) are interim (RFC 9110 §15.2): the final response follows.
    const interim = h.status >= 100 && h.status < 200 && h.status !== 101;
    if (typeof framing !== 'string' && ex && !interim) ex.resp = msg;
    return framing;
  }

  ended(_stream: MessageStream, msg: Message): void {
    if (msg.head.kind === 'response') {
      const ex = this.exchanges.find((e) => e.resp === msg);
      if (ex && switchesProtocol(ex.req?.head.method ?? null, msg.head.status)) {
        // The bytes that follow are WebSocket, h2c or a tunnel, not HTTP/1.
        this.streams.write.kill();
        this.streams.read.kill();
        this.ignored = true;
      }
    }
    this.drain();
  }

  lost(stream: MessageStream): void {
    if (this.role === null) return;
    if (this.kindOf(stream) === 'request') this.addExchange({ req: null, resp: null, respLost: false });
    else this.loseResponse('response not captured');
  }

  garbage(stream: MessageStream, why: string, inHead: boolean): void {
    if (this.role === null) {
      // Not HTTP/1 from the first byte: h2, TLS records, another protocol. Other plugins' business.
      this.streams.write.kill();
      this.streams.read.kill();
      this.ignored = true;
      return;
    }
    if (!this.reported) {
      this.reported = true;
      this.opts.onUnparsable(`${stream.direction}: ${why}`);
    }
    // A message in place of the garbage is lost; pairing must skip it.
    if (!inHead) return;
    if (this.kindOf(stream) === 'request') this.addExchange({ req: null, resp: null, respLost: false });
    else this.loseResponse('response not parsable');
  }

  /** Whether nothing is pending, so dropping the state loses nothing. */
  get idle(): boolean {
    return this.exchanges.length === 0;
  }

  private kindOf(stream: MessageStream): StartKind {
    return (stream.direction === 'write') === (this.role === 'client') ? 'request' : 'response';
  }

  private unanswered(): Exchange | undefined {
    return this.exchanges.find((e) => e.resp === null && !e.respLost);
  }

  private loseResponse(why: string): void {
    const ex = this.unanswered();
    if (!ex) return;
    ex.respLost = true;
    ex.error = why;
    this.drain();
  }

  private addExchange(ex: Exchange): void {
    if (this.exchanges.length >= this.opts.maxPending) {
      // Bounded pipelining depth: the oldest request gives up on its response.
      const oldest = this.exchanges.shift()!;
      if (!oldest.resp) oldest.error = `no response within ${this.opts.maxPending} pipelined requests`;
      this.emit(oldest);
    }
    this.exchanges.push(ex);
  }

  private drain(): void {
    while (this.exchanges.length > 0 && exchangeComplete(this.exchanges[0]!)) this.emit(this.exchanges.shift()!);
  }

  private emit(ex: Exchange): void {
    const facts: ConnFacts = {
      role: this.role ?? 'server', tls: this.id.tls, pid: this.id.pid, fd: this.id.fd,
      local: this.local, remote: this.remote,
    };
    const r = buildRecord(facts, ex, this.opts.maxBody, this.opts.redact);
    if (r) this.opts.onRecord(r);
  }
}
