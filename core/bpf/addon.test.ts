import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GotraceError } from '../errors';
import { loadAddon, loadAddonFrom } from './addon';
import { addonPath, packageRoot } from './paths';
import { requireBpf } from './testdata/harness';

test('a missing addon says how to build it', () => {
  assert.throws(() => loadAddonFrom('/nonexistent/gotrace_bpf.node'), (e: unknown) =>
    e instanceof GotraceError && e.code === 'ERR_ADDON_MISSING' && e.message.includes('bash core/bpf/addon/build.sh'));
});

test('a broken addon says to rebuild it', () => {
  const bogus = join(mkdtempSync(join(tmpdir(), 'gotrace-')), 'gotrace_bpf.node');
  writeFileSync(bogus, 'not an ELF');
  assert.throws(() => loadAddonFrom(bogus), (e: unknown) =>
    e instanceof GotraceError && e.code === 'ERR_ADDON_MISSING' && e.message.includes('--force'));
});

test('the addon is found from the package root and links the system libbpf', (t) => {
  assert.ok(addonPath().startsWith(packageRoot()));
  if (!requireBpf(t)) return;
  const addon = loadAddon();
  assert.match(addon.libbpfVersion(), /^v1\.\d+$/);
  assert.ok(addon.numPossibleCpus() >= 1);
  assert.equal(addon.probeMapType(addon.constants.BPF_MAP_TYPE_RINGBUF), 1);
});
