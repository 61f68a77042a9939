import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfObject } from './bpf-object';
import { bpfObjectPath } from './paths';
import { requireBpf, ourLinks } from '../../test/support/bpf';
import { fixture, requireBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';
import { readFileSync } from 'node:fs';
import { readBinaryFile } from '../binary/target';

test('detachLinks takes the links off the kernel without blocking the event loop on each one', async (t) => {
  if (!requireBpf(t)) return;
  const bin = requireBinary(fixture('divide'));
  const entry = parseInt(run('go', ['tool', 'nm', bin]).split('\n').find((l) => l.endsWith(' T main.main'))!.trim().split(/\s+/)[0]!, 16);
  const text = /\s\.text\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(run('readelf', ['-SW', bin]))!;
  const fileOffset = entry - parseInt(text[1]!, 16) + parseInt(text[2]!, 16);
  const obj = BpfObject.open(bpfObjectPath('func_trace'));
  try {
    obj.load();
    const links = Array.from({ length: 6 }, (_, i) => obj.attachUprobe('uprobe_any_func', { binaryPath: bin, fileOffset, pid: -1, cookie: BigInt(i) }));
    assert.equal(ourLinks(['uprobe_any_func']).length, 6);
    // The kernel writes INT3 into private mappings of a probed file; analysis maps binaries shared, so it reads the file.
    assert.equal(readBinaryFile(bin)[fileOffset], readFileSync(bin)[fileOffset]);
    assert.notEqual(readBinaryFile(bin)[fileOffset], 0xcc);
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 10);
    const n = await obj.detachLinks(links);
    clearInterval(timer);
    assert.equal(n, 6);
    assert.ok(links.every((l) => !l.attached));
    assert.deepEqual(ourLinks(['uprobe_any_func']), []);
    // The loop kept turning while the kernel waited: timers fired during the detach.
    assert.ok(ticks > 0, 'the event loop ran while links were being destroyed');
    assert.equal(await obj.detachLinks(links), 0, 'detaching twice does nothing');
  } finally {
    obj.close();
  }
});
