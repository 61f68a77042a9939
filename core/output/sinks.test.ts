import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { jsonLinesSink } from './sinks';
import { jsonRaw, type JsonBytes } from './json-bytes';
import type { TraceEvent } from '../engine/plugin';

/** A stream that holds each chunk a while before it is done with it, as a full pipe does. */
function slowStream(chunks: Buffer[]): Writable {
  return new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, done) {
      // Copied only when the write completes: a sink that reused the buffer before then would show here.
      setTimeout(() => { chunks.push(Buffer.from(chunk)); done(); }, 2);
    },
  });
}

const ev = (i: number, extra: Record<string, unknown> = {}): TraceEvent => ({ type: 't', ts: 1.5 + i, pid: i, exe: '/x', goid: null, ...extra });

test('jsonLinesSink writes one JSON.stringify line per event, whatever the text and however the buffers fill', async () => {
  const chunks: Buffer[] = [];
  const sink = jsonLinesSink(slowStream(chunks));
  const events: TraceEvent[] = [];
  const texts = ['plain', 'caf\u00e9 \u00ff', 'emoji \u{1f600}', 'lone \ud800 surrogate', 'quote " backslash \\ nl \n tab \t nul \u0000', '\u4e2d\u6587'];
  for (let i = 0; i < 3000; i++) events.push(ev(i, { text: texts[i % texts.length]!, headers: { a: 'b', [texts[i % texts.length]!]: 'v' } }));
  events.push(ev(3000, { big: 'x'.repeat(3 << 20) })); // a line larger than the buffer
  events.push(ev(3001, { id: 12345678901234567890n })); // BigInt: written as a string
  for (let i = 0; i < events.length; i++) {
    sink.write(events[i]!);
    if (i % 700 === 0) await sleep(1); // some flushes on the event loop, some because the buffer filled
  }
  sink.close();
  await sleep(200);
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, events.length);
  for (let i = 0; i < events.length - 1; i++) assert.equal(lines[i], JSON.stringify(events[i]), `line ${i}`);
  assert.deepEqual(JSON.parse(lines.at(-1)!).id, '12345678901234567890');
});

test('jsonLinesSink has an event that writes its own bytes write them, across full buffers and for a line larger than one', async () => {
  const chunks: Buffer[] = [];
  const sink = jsonLinesSink(slowStream(chunks));
  /** Writes its fields' JSON itself (as plugins/grpc's call record does), with a large text now and then. */
  class Own {
    constructor(readonly type: string, readonly ts: number, readonly pid: number, readonly text: string) {}
    writeJson(w: JsonBytes): void {
      w.raw(jsonRaw('{"type":')); w.string(this.type); w.raw(jsonRaw(',"ts":')); w.epochMs(this.ts);
      w.raw(jsonRaw(',"pid":')); w.number(this.pid); w.raw(jsonRaw(',"text":')); w.string(this.text); w.raw(jsonRaw('}'));
    }
  }
  const events: TraceEvent[] = [];
  for (let i = 0; i < 3000; i++) {
    const text = i === 1500 ? 'y'.repeat(3 << 20) : 'x'.repeat((i * 7919) % 4000) + '\u00e9\n"';
    events.push(i % 3 ? (new Own('own', 1795399910582.313 + i, i, text) as unknown as TraceEvent) : ev(i, { text }));
  }
  for (let i = 0; i < events.length; i++) {
    sink.write(events[i]!);
    if (i % 700 === 0) await sleep(1);
  }
  sink.close();
  await sleep(200);
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, events.length);
  for (let i = 0; i < events.length; i++) assert.equal(lines[i], JSON.stringify(events[i]), `line ${i}`);
});
