# Builds core/offsets/tables/*.json from /work/shared/data/go-offsets (throwaway; documented in docs/offset-tables.md).
# Usage: python3 core/offsets/tables/generate.py  (reads /work/shared/data/go-offsets, rewrites the three tables next to it)
import json, re, sys
D='/work/shared/data/go-offsets/'
norm=json.load(open(D+'normalized/fields_by_source.json'))
FILE={'obi@0044818e':'raw/opentelemetry-ebpf-instrumentation/0044818e/offsets.json',
 'otel-go-instr@66ad42c':'raw/opentelemetry-go-instrumentation/offset_results.json',
 'beyla-vendored-obi@4b63fe1':'raw/beyla/vendored-obi-4b63fe1/offsets.json',
 'obi@6955b65':'raw/opentelemetry-ebpf-instrumentation/6955b65/offsets.json',
 'datadog-gotls@068ed711':'raw/datadog-agent/gotls_luts.json',
 'datadog-goid@08f71877':'raw/datadog-agent/goid_offset.json'}
PREF=list(FILE)
DD_CAP='1.25.0'  # DataDog's open-ended ranges: its goid table misses Go 1.25's change, so its data predates 1.25
def key(v):
  m=re.match(r'^(\d+)\.(\d+)\.(\d+)(?:-(.*))?$',v); assert m,v
  return (int(m[1]),int(m[2]),int(m[3]), 0 if m[4] else 1, m[4] or '')
def lo(v): return '>='+v if '-' in v else '>='+v+'-0'
def lt(v): return '<'+v if '-' in v else '<'+v+'-0'
cov=open(D+'COVERAGE.md').read()
fields=[]
for m in re.finditer(r'^\| `([^`]+)` \|',cov,re.M):
  if m[1] not in fields: fields.append(m[1])
def table_of(f):
  if f.startswith('golang.org/x/net/'): return 'x-net-http2'
  if f.startswith('google.golang.org/grpc/'): return 'grpc'
  if f.startswith('google.golang.org/genproto/'): return None
  return 'go-std'
# Explicit resolutions: (field, source, from) -> that source is not used from `from` on.
DROP={('runtime.g.goid','datadog-goid@08f71877'):('1.25.0','OTELGO lists every Go release 1.25.0-1.27.0 with 152 (runtime.g lost syscallbp\'s slot again); DD-GOID\'s open-ended ">=1.23 -> 160" predates Go 1.25')}
# Layout derivations that fill gaps (only where no data answers; a disagreement with data fails).
DERIVED={
 'go-std':[
  ('runtime.g.stack','1.13.0','1.27.1',0,'derived: stack is the first field of runtime.g (runtime/runtime2.go)'),
  ('crypto/tls.Conn.conn','1.25.0','1.27.1',0,'derived: `conn net.Conn` is the first field of crypto/tls.Conn (crypto/tls/conn.go); fills Go 1.25-1.27.1, where DD-TLS (capped below 1.25) no longer answers'),
  ('vendor/golang.org/x/net/http2/hpack.HeaderField.Name','1.13.0','1.26.8',0,'derived: HeaderField is {Name, Value string; Sensitive bool}; Name is first'),
  ('vendor/golang.org/x/net/http2/hpack.HeaderField.Value','1.13.0','1.26.8',16,'derived: HeaderField is {Name, Value string; Sensitive bool}; a string is 16 bytes (ptr, len)'),
  ('net/http.http2HeadersFrame.http2FrameHeader','1.13.0','1.26.8',0,'derived: http2FrameHeader is embedded first in http2HeadersFrame'),
 ],
 'x-net-http2':[
  ('golang.org/x/net/http2/hpack.HeaderField.Name','0.1.0','0.59.0',0,'derived: HeaderField is {Name, Value string; Sensitive bool}; Name is first'),
  ('golang.org/x/net/http2/hpack.HeaderField.Value','0.1.0','0.59.0',16,'derived: HeaderField is {Name, Value string; Sensitive bool}; a string is 16 bytes (ptr, len)'),
  ('golang.org/x/net/http2.HeadersFrame.FrameHeader','0.1.0','0.59.0',0,'derived: FrameHeader is embedded first in HeadersFrame'),
 ],
 'grpc':[]}
GAPS={
 'go-std':{
  'net/http.http2bufferedWriter.w':'no public data file has it; not fixed by layout rules (fields before w changed across releases). Pin it in the rule file or use a binary with DWARF.',
  'net/http/internal/http2.bufferedWriter.w':'Go 1.27: no public data file has it. Pin it or use DWARF.',
  'net/http/internal/http2.FrameHeader.StreamID':'Go 1.27: OBI-0044818e has only 7 net/http/internal/http2 fields; nothing else of that package is published.',
  'net/http.http2FrameHeader.StreamID':'only DeepFlow\'s unversioned default (8), which is a hint, not data.',
  'net/http.http2clientConnReadLoop.cc':'only DeepFlow\'s unversioned default (0), a hint, not data.',
  'vendor/golang.org/x/net/http2/hpack.HeaderField.Name':'Go 1.27 (net/http/internal/http2): whether hpack is still vendored at that type name is not attested; no data.',
  'runtime.g.goid':'Go 1.27.1 and later: only DD-GOID\'s open-ended entry (160, known stale from 1.25) would answer; left open.',
 },
 'x-net-http2':{
  'golang.org/x/net/http2.ClientConn.nextStreamID':'x/net before 0.12.0: no data for ClientConn, Framer, serverConn or hpack.Encoder (OBI starts at 0.12.0; OTELGO has only MetaHeadersFrame.Fields and FrameHeader.StreamID).',
  'golang.org/x/net/http2.bufferedWriter.w':'no public data file has it.',
 },
 'grpc':{
  'google.golang.org/grpc/internal/transport.loopyWriter.framer':'only DeepFlow\'s unversioned default (40); the fields before framer changed across grpc releases, so no layout derivation. Only grpc 1.33.3 is tabled (measured from our fixture\'s DWARF).',
  'google.golang.org/grpc/internal/transport.loopyWriter.side':'only DeepFlow\'s unversioned default (0). Only grpc 1.33.3 is tabled (measured).',
  'google.golang.org/grpc/internal/transport.framer.writer':'only DeepFlow\'s unversioned default (0). Only grpc 1.33.3 is tabled (measured).',
  'google.golang.org/grpc/internal/transport.headerFrame.streamID':'grpc 1.84.0 final is listed by no source; 1.85.0-dev has neither headerFrame nor clientHeaders.',
  'google.golang.org/genproto/googleapis/rpc/status.Status.Code':'not tabled: OBI keys it by genproto 0.0.0, OTELGO by the grpc version of its test app; the layout depends on the protobuf runtime actually linked, which neither key records.',
 }}
RES={'go-std':[],'x-net-http2':[],'grpc':[]}
def sources_for(f):
  out=[]
  for s,x in norm.get(f,{}).items():
    if s not in FILE: continue
    lo_,hi=x['range']; cap=None
    if hi.startswith('open'):
      hi=None; cap=DD_CAP
    d=DROP.get((f,s))
    if d:
      cap=d[0]; hi=None
    out.append(dict(s=s,lo=lo_,hi=hi,cap=cap,bps=sorted(x['breakpoints'],key=lambda b:key(b['since']))))
  return out
def covers(src,x):
  if key(x)<key(src['lo']): return False
  if src['hi'] is not None and key(x)>key(src['hi']): return False
  if src['cap'] is not None and key(x)>=key(src['cap']): return False
  return True
def upto_next(src,xn):
  if src['cap'] is not None: return key(src['cap'])>=key(xn)
  return key(src['hi'])>=key(xn)
def val(src,x):
  v='none'
  for b in src['bps']:
    if key(b['since'])<=key(x): v=b['offset']
  return v
def build(f,tname):
  srcs=sources_for(f)
  pts=set()
  for s in srcs:
    pts.add(s['lo'])
    if s['hi']: pts.add(s['hi'])
    if s['cap']: pts.add(s['cap'])
    for b in s['bps']: pts.add(b['since'])
  pts=sorted(pts,key=key)
  groups=[]
  for i,x in enumerate(pts):
    a={s['s']:val(s,x) for s in srcs if covers(s,x)}
    a={k:v for k,v in a.items() if v is not None}  # absent (null): the field does not exist there
    if not a: continue
    vals=set(a.values())
    if len(vals)>1: sys.exit(f'UNRESOLVED DISAGREEMENT {f} at {x}: {a}')
    if groups and groups[-1]['pts'][-1]==pts[i-1] and groups[-1]['a']==a: groups[-1]['pts'].append(x)
    else: groups.append(dict(pts=[x],a=a))
  ents=[]
  for g in groups:
    xl=g['pts'][-1]; j=pts.index(xl)
    xn=pts[j+1] if j+1<len(pts) else None
    cont= xn is not None and any(upto_next(s,xn) for s in srcs if s['s'] in g['a'])
    up=lt(xn) if cont else '<='+xl
    ents.append(dict(lo=g['pts'][0],up=up,excl=xn if cont else None,value=next(iter(g['a'].values())),srcs=set(g['a'])))
  m=[]
  for e in ents:
    if m and m[-1]['value']==e['value'] and m[-1]['excl']==e['lo']:
      m[-1]['up']=e['up']; m[-1]['excl']=e['excl']; m[-1]['srcs']|=e['srcs']
    else: m.append(e)
  return m
def fmt(e):
  ss=sorted(e['srcs'],key=PREF.index)
  o={'versions':lo(e['lo'])+' '+e['up'],'value':e['value'],'source':FILE[ss[0]]}
  if len(ss)>1: o['alsoIn']=[FILE[s] for s in ss[1:]]
  return o
tables={t:{} for t in RES}
for f in fields:
  t=table_of(f)
  if not t: continue
  if f in GAPS.get(t,{}) and not norm.get(f): continue
  es=[fmt(e) for e in build(f,t)]
  if es: tables[t][f]=es
  elif not any(d[0]==f for d in DERIVED[t]): GAPS[t].setdefault(f,'only DeepFlow\'s unversioned default or no data at all.')
def satisfies_simple(v,r): return None
for t,ds in DERIVED.items():
  for f,a,b,v,why in ds:
    es=tables[t].setdefault(f,[])
    # data wins; the derivation fills only what data leaves open
    for e in es:
      if e['value']!=v: print('NOTE derived differs from data',f,e,v)
    es.append({'versions':lo(a)+' <='+b,'value':v,'source':why,'_derived':True})
# Values measured from a fixture's DWARF where no public data covers that exact
# version: grpc 1.33.3 (Debian's golang-google-grpc-dev 1.33.3, the version GOPATH
# builds on Debian link, and which stripped ones name only in their user agent).
# Keyed to that one version; tables-dwarf.test.ts compares each with DWARF.
# The x/net frame fields are keyed here by grpc version because a GOPATH build
# records no x/net version either: the fixture links x/net 0.7.0, and every
# x/net version the x-net-http2 table lists (0.1.0-0.59.0) has the same values
# for the two it tables (MetaHeadersFrame.Fields, FrameHeader.StreamID).
MEASURED_SRC='measured: DWARF of build/fixtures/grpc (Go 1.19.8 GOPATH build, grpc-go 1.33.3, x/net 0.7.0)'
MEASURED={'grpc':[
  ('google.golang.org/grpc/internal/transport.http2Server.conn',32),
  ('google.golang.org/grpc/internal/transport.http2Client.conn',72),
  ('google.golang.org/grpc/internal/transport.loopyWriter.side',0),
  ('google.golang.org/grpc/internal/transport.loopyWriter.framer',40),
  ('google.golang.org/grpc/internal/transport.framer.writer',0),
  ('google.golang.org/grpc/internal/transport.bufWriter.conn',40),
  ('google.golang.org/grpc/internal/credentials.syscallConn.Conn',0),
  ('golang.org/x/net/http2.MetaHeadersFrame.HeadersFrame',0),
  ('golang.org/x/net/http2.MetaHeadersFrame.Fields',8),
  ('golang.org/x/net/http2.FrameHeader.StreamID',8),
  ('golang.org/x/net/http2.FrameHeader.Flags',2),
  ('golang.org/x/net/http2.DataFrame.data',16),
  ('golang.org/x/net/http2.RSTStreamFrame.ErrCode',12),
  # for TCP seqs (docs/tcp-seqs.md)
  ('google.golang.org/grpc/internal/transport.http2Server.framer',136),
  ('google.golang.org/grpc/internal/transport.http2Client.framer',168),
  ('google.golang.org/grpc/internal/transport.framer.fr',8),
  ('google.golang.org/grpc/internal/transport.bufWriter.offset',24),
  ('google.golang.org/grpc/internal/transport.bufWriter.batchSize',32),
  ('golang.org/x/net/http2.Framer.r',0),
  ('golang.org/x/net/http2.FrameHeader.Length',4),
 ]}
for t,ms in MEASURED.items():
  for f,v in ms:
    tables[t].setdefault(f,[]).append({'versions':'>=1.33.3 <=1.33.3','value':v,'source':MEASURED_SRC,'_derived':True})
# The std fields HTTP/2's TCP seqs read (docs/tcp-seqs.md); no public source
# lists them. Measured on the one toolchain here, keyed to it alone.
MEASURED_GO_SRC='measured: DWARF of build/fixtures/http2 (Go 1.19.8)'
# and where a TLS write's records fall (bpf/include/go_tls_seq.h, go_tls13_write_seq)
for f,v in [('crypto/tls.Conn.rawInput',632),('crypto/tls.Conn.input',672),('bufio.Writer.n',40),('bufio.Writer.buf',16),('bufio.Reader.r',40),('bufio.Reader.w',48),('bytes.Reader.i',24),
            ('crypto/tls.Conn.vers',64),('crypto/tls.Conn.config',72),('crypto/tls.Conn.bytesSent',784),('crypto/tls.Conn.packetsSent',792),
            ('crypto/tls.Config.DynamicRecordSizingDisabled',280)]:
  tables['go-std'].setdefault(f,[]).append({'versions':'>=1.19.8 <=1.19.8','value':v,'source':MEASURED_GO_SRC,'_derived':True})
for f,s in DROP: RES['go-std'].append({'field':f,'dropped':FILE[s],'from':DROP[(f,s)][0],'why':DROP[(f,s)][1]})

UPPER={'google.golang.org/grpc/internal/transport.headerFrame.streamID':'<=1.84.0-dev','google.golang.org/grpc/internal/transport.headerFrame.hf':'<=1.84.0-dev'}
for f,u in UPPER.items():
  for e in tables['grpc'][f]: e['versions']=e['versions'].split(' ')[0]+' '+u
RES['grpc'].append({'field':'google.golang.org/grpc/internal/transport.headerFrame.*','dropped':FILE['otel-go-instr@66ad42c'],'from':'1.84.0','why':'OTELGO lists 1.84.0-dev then 1.85.0-dev (headerFrame gone); grpc 1.84.0 final is listed nowhere, so the range ends at the last listed version'})
RES['go-std'].append({'field':'(every DD-TLS field)','dropped':FILE['datadog-gotls@068ed711'],'from':DD_CAP,'why':'DataDog ranges are open-ended; its generation date is not recorded and its goid table misses the Go 1.25 change, so its data is not used from Go 1.25 on'})
META={'go-std':('go','Go standard library and runtime struct fields, by Go toolchain version'),
 'x-net-http2':('golang.org/x/net','golang.org/x/net/http2 struct fields, by the x/net module version the binary records'),
 'grpc':('google.golang.org/grpc','google.golang.org/grpc struct fields, by the grpc-go module version the binary records')}
for t,fs in tables.items():
  for f,es in fs.items():
    for e in es: e.pop('_derived',None)
    es.sort(key=lambda e: key(e['versions'].split(' ')[0][2:].replace('-0','')))
  out={'$comment':'Generated from /work/shared/data/go-offsets (Apache-2.0 sources, see docs/offset-tables.md); amd64. Shape: docs/offset-tables.md.',
       'name':t,'versionOf':META[t][0],'description':META[t][1],'fields':fs,
       'gaps':dict(sorted(GAPS[t].items())),'resolved':RES[t]}
  open(__import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)),f'{t}.json'),'w').write(json.dumps(out,indent=2)+'\n')
