// Every shipped table value that overlaps our DWARF fixtures must equal what
// DWARF says; a disagreement fails. The fixtures are GOPATH builds by Debian's
// Go 1.19.8, so their build info records no module versions: the x/net and
// grpc versions are those of the Debian source packages they were built
// against (GOPATH=…:/usr/share/gocode, scripts/build-fixtures.sh), read here
// from dpkg's status file and grpc's own version.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { GoBinary } from '../binary/go-binary';
import { SHIPPED_TABLES } from './tables';

const root = join(__dirname, '..', '..', '..');
const fixtures = ['https', 'http2', 'grpc'].map((n) => join(root, 'build', 'fixtures', n));
const haveFixtures = fixtures.every((f) => existsSync(f));

function debVersion(pkg: string): string | undefined {
  if (!existsSync('/var/lib/dpkg/status')) return undefined;
  const stanza = readFileSync('/var/lib/dpkg/status', 'utf8').split('\n\n').find((s) => s.startsWith(`Package: ${pkg}\n`));
  return /\nVersion: (?:\d+:)?([0-9.]+)/.exec(stanza ?? '')?.[1];
}

/** x/net 0.7.0 (golang-golang-x-net-dev 1:0.7.0+dfsg-1), grpc 1.33.3 (golang-google-grpc-dev 1.33.3-2). */
function fixtureVersions(): Record<string, string> {
  const grpcGo = '/usr/share/gocode/src/google.golang.org/grpc/version.go';
  const grpc = existsSync(grpcGo) ? /const Version = "([^"]+)"/.exec(readFileSync(grpcGo, 'utf8'))?.[1] : undefined;
  assert.equal(grpc, debVersion('golang-google-grpc-dev'), 'grpc version.go and the Debian package agree');
  return { go: '1.19.8', 'golang.org/x/net': debVersion('golang-golang-x-net-dev') ?? '', 'google.golang.org/grpc': grpc ?? '' };
}

test('every table value that overlaps the DWARF fixtures equals DWARF', { skip: !haveFixtures && 'fixtures not built (npm run setup)' }, () => {
  const bins = fixtures.map((f) => new GoBinary(f, readFileSync(f)));
  for (const b of bins) assert.equal(b.goVersion?.semver, '1.19.8', `${b.path} is built by Debian's Go 1.19.8`);
  const versions = fixtureVersions();
  assert.equal(versions['golang.org/x/net'], '0.7.0');
  assert.equal(versions['google.golang.org/grpc'], '1.33.3');
  const compared: string[] = [], disagree: string[] = [], notInDwarf: string[] = [];
  for (const table of SHIPPED_TABLES) {
    const v = versions[table.versionOf]!;
    for (const [field, entries] of Object.entries(table.fields)) {
      const e = entries.find((x) => semver.satisfies(v, x.versions, { includePrerelease: true }));
      if (!e) continue;
      const dot = field.lastIndexOf('.');
      const member = bins.map((b) => b.dwarf?.struct(field.slice(0, dot))?.fields.find((x) => x.name === field.slice(dot + 1))).find((x) => x);
      if (!member) { notInDwarf.push(field); continue; }
      compared.push(field);
      if (member.offset !== e.value) disagree.push(`${field} @${v}: table ${e.value} (${e.source}), DWARF ${member.offset}`);
    }
  }
  assert.deepEqual(disagree, []);
  // Not vacuous: the Go 1.19 std, x/net 0.7 and grpc 1.33 entries really were checked.
  for (const f of ['runtime.g.goid', 'internal/poll.FD.Sysfd', 'golang.org/x/net/http2/hpack.HeaderField.Value',
    'google.golang.org/grpc/internal/transport.http2Client.nextID', 'google.golang.org/grpc/internal/transport.Stream.method',
    // measured for grpc 1.33.3 (docs/offset-tables.md): rechecked here like the rest
    'google.golang.org/grpc/internal/transport.loopyWriter.framer', 'golang.org/x/net/http2.RSTStreamFrame.ErrCode',
    // measured for Go 1.19.8, for HTTP/2's TCP seqs
    'crypto/tls.Conn.rawInput', 'bufio.Reader.w',
    // and for where a TLS write's records fall (grpc's seqs past a write's first record)
    'crypto/tls.Conn.packetsSent', 'crypto/tls.Config.DynamicRecordSizingDisabled', 'bufio.Writer.buf', 'google.golang.org/grpc/internal/transport.bufWriter.batchSize']) {
    assert.ok(compared.includes(f), `${f} was compared (compared: ${compared.join(', ')}; not in DWARF: ${notInDwarf.join(', ')})`);
  }
});
