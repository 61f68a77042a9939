// SPDX-License-Identifier: Apache-2.0
// BpfObject: open, consts, load, attach. Maps are in bpf-object-maps.cc, link teardown in bpf-object-links.cc.
#include "bpf-object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <csignal>
#include <cerrno>
#include <cstring>
#include <vector>

#include <pthread.h>

#include "args.h"
#include "errors.h"
#include "libbpf-log.h"
#include "ring-buffer.h"

namespace gotrace {
namespace {

struct ConstVar {
  std::string name;
  uint32_t offset;
  uint32_t size;
};

// The variables of the .rodata section (the `const volatile` values) with
// their offsets, read from the object's BTF DATASEC: the skeleton-free way
// to know where each value sits in the map's initial value.
std::vector<ConstVar> RodataVars(bpf_object* obj) {
  std::vector<ConstVar> vars;
  const struct btf* btf = bpf_object__btf(obj);
  if (btf == nullptr) return vars;
  int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
  if (id < 0) return vars;
  const struct btf_type* sec = btf__type_by_id(btf, id);
  const struct btf_var_secinfo* vsi = btf_var_secinfos(sec);
  for (int i = 0; i < btf_vlen(sec); i++, vsi++) {
    const struct btf_type* var = btf__type_by_id(btf, vsi->type);
    vars.push_back({btf__name_by_offset(btf, var->name_off), vsi->offset, vsi->size});
  }
  return vars;
}

}  // namespace

Napi::Function BpfObject::Define(Napi::Env env) {
  return DefineClass(env, "BpfObject",
                     {
                         InstanceMethod<&BpfObject::ConstInfo>("constInfo"),
                         InstanceMethod<&BpfObject::SetConst>("setConst"),
                         InstanceMethod<&BpfObject::SetMaxEntries>("setMaxEntries"),
                         InstanceMethod<&BpfObject::Load>("load"),
                         InstanceMethod<&BpfObject::ProgramNames>("programNames"),
                         InstanceMethod<&BpfObject::MapNames>("mapNames"),
                         InstanceMethod<&BpfObject::MapInfo>("mapInfo"),
                         InstanceMethod<&BpfObject::MapLookup>("mapLookup"),
                         InstanceMethod<&BpfObject::MapUpdate>("mapUpdate"),
                         InstanceMethod<&BpfObject::MapDelete>("mapDelete"),
                         InstanceMethod<&BpfObject::MapNextKey>("mapNextKey"),
                         InstanceMethod<&BpfObject::AttachUprobe>("attachUprobe"),
                         InstanceMethod<&BpfObject::AttachUprobeMulti>("attachUprobeMulti"),
                         InstanceMethod<&BpfObject::IsUprobeMulti>("isUprobeMulti"),
                         InstanceMethod<&BpfObject::AttachTracepoint>("attachTracepoint"),
                         InstanceMethod<&BpfObject::DestroyLink>("destroyLink"),
                         InstanceMethod<&BpfObject::DestroyLinks>("destroyLinks"),
                         InstanceMethod<&BpfObject::DestroyLinksAsync>("destroyLinksAsync"),
                         InstanceMethod<&BpfObject::LinkCount>("linkCount"),
                         InstanceMethod<&BpfObject::DetachAllJs>("detachAll"),
                         InstanceMethod<&BpfObject::Close>("close"),
                     });
}

// new BpfObject(path): bpf_object__open_file. Nothing touches the kernel yet.
BpfObject::BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
  Napi::Env env = info.Env();
  path_ = StringArg(info, 0, "path");
  LogCapture log;
  obj_ = bpf_object__open_file(path_.c_str(), nullptr);
  if (obj_ == nullptr) ThrowBpfError(env, op::kOpen, errno, path_, log.text());
  data_ = env.GetInstanceData<AddonData>();
  if (data_ != nullptr) data_->live.insert(this);
}

BpfObject::~BpfObject() { Destroy(); }

void BpfObject::Destroy() {
  // Links first: they reference the programs the object owns.
  DetachAll();
  while (!rings_.empty()) (*rings_.begin())->Close();
  if (obj_ != nullptr) {
    bpf_object__close(obj_);
    obj_ = nullptr;
  }
  if (data_ != nullptr) {
    data_->live.erase(this);
    data_ = nullptr;
  }
}

void BpfObject::RequireOpen(Napi::Env env) {
  if (obj_ == nullptr) ThrowBpfError(env, op::kState, EBADF, path_ + ": the object is closed");
}

void BpfObject::RequireLoaded(Napi::Env env) {
  RequireOpen(env);
  if (!loaded_) ThrowBpfError(env, op::kState, EBADF, path_ + ": the object is not loaded yet");
}

bpf_map* BpfObject::FindMap(Napi::Env env, const std::string& name) {
  RequireOpen(env);
  bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) ThrowBpfError(env, op::kMap, ENOENT, path_ + ": map '" + name + "'");
  return map;
}

bpf_program* BpfObject::FindProgram(Napi::Env env, const std::string& name) {
  RequireLoaded(env);
  bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
  if (prog == nullptr) ThrowBpfError(env, op::kAttach, ENOENT, path_ + ": program '" + name + "'");
  return prog;
}

int BpfObject::RingBufferMapFd(Napi::Env env, const std::string& name) {
  bpf_map* map = FindMap(env, name);
  RequireLoaded(env);
  if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) {
    ThrowBpfError(env, op::kRingBuffer, EINVAL, path_ + ": map '" + name + "' is not a ring buffer");
  }
  return bpf_map__fd(map);
}

// constInfo(): [{name, offset, size}] of the .rodata variables.
Napi::Value BpfObject::ConstInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  std::vector<ConstVar> vars = RodataVars(obj_);
  Napi::Array out = Napi::Array::New(env, vars.size());
  for (size_t i = 0; i < vars.size(); i++) {
    Napi::Object v = Napi::Object::New(env);
    v.Set("name", vars[i].name);
    v.Set("offset", vars[i].offset);
    v.Set("size", vars[i].size);
    out.Set(static_cast<uint32_t>(i), v);
  }
  return out;
}

// setConst(name, value): patches the .rodata map's initial value before load.
void BpfObject::SetConst(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "name");
  Napi::Buffer<uint8_t> value = BufferArg(info, 1, "value");
  RequireOpen(env);
  if (loaded_) ThrowBpfError(env, op::kState, EBUSY, path_ + ": const '" + name + "' set after load");
  for (const ConstVar& v : RodataVars(obj_)) {
    if (v.name != name) continue;
    if (value.Length() != v.size) {
      ThrowBpfError(env, op::kConst, EINVAL,
                    path_ + ": const '" + name + "' is " + std::to_string(v.size) +
                        " bytes, the value given is " + std::to_string(value.Length()));
    }
    bpf_map* rodata = FindMap(env, ".rodata");
    size_t size = 0;
    const uint8_t* initial = static_cast<const uint8_t*>(bpf_map__initial_value(rodata, &size));
    if (initial == nullptr || static_cast<size_t>(v.offset) + v.size > size) {
      ThrowBpfError(env, op::kConst, EINVAL, path_ + ": .rodata is smaller than its BTF says");
    }
    std::vector<uint8_t> data(initial, initial + size);
    memcpy(data.data() + v.offset, value.Data(), v.size);
    LogCapture log;
    int err = bpf_map__set_initial_value(rodata, data.data(), data.size());
    if (err) ThrowBpfError(env, op::kConst, err, path_ + ": const '" + name + "'", log.text());
    return;
  }
  ThrowBpfError(env, op::kConst, ENOENT, path_ + ": const '" + name + "'");
}

// setMaxEntries(map, n): resizes a map before load (a ring buffer's size in
// bytes: a power of two, a multiple of the page size).
void BpfObject::SetMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "map");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "maxEntries must be a number");
  uint32_t max_entries = info[1].As<Napi::Number>().Uint32Value();
  bpf_map* map = FindMap(env, name);
  if (loaded_) ThrowBpfError(env, op::kState, EBUSY, path_ + ": map '" + name + "' resized after load");
  LogCapture log;
  int err = bpf_map__set_max_entries(map, max_entries);
  if (err) ThrowBpfError(env, op::kMap, err, path_ + ": resizing map '" + name + "'", log.text());
}

// load(uprobeMulti): creates maps, relocates, and runs the verifier on every
// program. uprobeMulti (see MarkUprobeMulti) names the programs to load for
// uprobe_multi links; returns the names actually marked.
Napi::Value BpfObject::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  if (loaded_) ThrowBpfError(env, op::kState, EBUSY, path_ + ": already loaded");
  std::vector<std::string> multi = MarkUprobeMulti(obj_, info[0]);
  LogCapture log;
  // The verifier gives up with EAGAIN when a signal is pending (libbpf tries
  // 5 times). V8's sampling profiler (node --cpu-prof) signals this thread
  // with SIGPROF every millisecond, so a program that takes the verifier a
  // second never loaded under it. Its samples wait until the load is done.
  sigset_t prof, before;
  sigemptyset(&prof);
  sigaddset(&prof, SIGPROF);
  pthread_sigmask(SIG_BLOCK, &prof, &before);
  int err = bpf_object__load(obj_);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (err) ThrowBpfError(env, op::kLoad, err, path_, log.text());
  loaded_ = true;
  Napi::Array out = Napi::Array::New(env, multi.size());
  for (size_t i = 0; i < multi.size(); i++) out.Set(static_cast<uint32_t>(i), multi[i]);
  return out;
}

Napi::Value BpfObject::ProgramNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  Napi::Array out = Napi::Array::New(env);
  bpf_program* prog;
  uint32_t i = 0;
  bpf_object__for_each_program(prog, obj_) out.Set(i++, bpf_program__name(prog));
  return out;
}

Napi::Value BpfObject::TrackLink(Napi::Env env, OwnedLink link) {
  // The kernel's link id lets callers (and tests) find it in `bpftool link`.
  // A perf-event fd (kernels without BPF perf links) has no id: 0.
  struct bpf_link_info link_info;
  memset(&link_info, 0, sizeof(link_info));
  uint32_t len = sizeof(link_info);
  uint32_t id = 0;
  if (bpf_obj_get_info_by_fd(link.Fd(), &link_info, &len) == 0) id = link_info.id;
  uint32_t handle = ++next_link_;
  links_[handle] = link;
  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", handle);
  out.Set("id", id);
  return out;
}

// attachUprobe(program, binaryPath, fileOffset, pid, cookie): {handle, id}.
// pid -1 traces every process that maps the binary. No uretprobes: Go moves
// goroutine stacks, which breaks the return address uretprobes patch, so
// return sites are traced with plain uprobes at each RET instead.
Napi::Value BpfObject::AttachUprobe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string prog_name = StringArg(info, 0, "program");
  std::string binary = StringArg(info, 1, "binaryPath");
  if (!info[2].IsNumber() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "fileOffset and pid must be numbers");
  }
  int64_t offset = info[2].As<Napi::Number>().Int64Value();
  int32_t pid = info[3].As<Napi::Number>().Int32Value();
  uint64_t cookie = 0;
  if (info[4].IsBigInt()) {
    bool lossless;
    cookie = info[4].As<Napi::BigInt>().Uint64Value(&lossless);
  }
  bpf_program* prog = FindProgram(env, prog_name);
  if (offset < 0) throw Napi::RangeError::New(env, "fileOffset must not be negative");
  struct bpf_uprobe_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  opts.bpf_cookie = cookie;
  LogCapture log;
  bpf_link* link = bpf_program__attach_uprobe_opts(prog, pid, binary.c_str(),
                                                  static_cast<size_t>(offset), &opts);
  if (link == nullptr) {
    char where[64];
    snprintf(where, sizeof(where), ":0x%llx", static_cast<unsigned long long>(offset));
    ThrowBpfError(env, op::kAttach, errno,
                  "uprobe '" + prog_name + "' at " + binary + where + " (pid " + std::to_string(pid) + ")",
                  log.text());
  }
  return TrackLink(env, OwnedLink{link, -1});
}

// attachTracepoint(program, category, name): {handle, id}.
Napi::Value BpfObject::AttachTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string prog_name = StringArg(info, 0, "program");
  std::string category = StringArg(info, 1, "category");
  std::string name = StringArg(info, 2, "name");
  bpf_program* prog = FindProgram(env, prog_name);
  LogCapture log;
  bpf_link* link = bpf_program__attach_tracepoint(prog, category.c_str(), name.c_str());
  if (link == nullptr) {
    ThrowBpfError(env, op::kAttach, errno,
                  "tracepoint '" + prog_name + "' at " + category + ":" + name, log.text());
  }
  return TrackLink(env, OwnedLink{link, -1});
}

void BpfObject::DetachAllJs(const Napi::CallbackInfo& info) { DetachAll(); }

void BpfObject::Close(const Napi::CallbackInfo& info) { Destroy(); }

}  // namespace gotrace
