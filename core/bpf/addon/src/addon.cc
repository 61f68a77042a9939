// SPDX-License-Identifier: Apache-2.0
// gotrace_bpf: a thin N-API binding over the system libbpf. The JavaScript
// API is in core/bpf/*.ts; this module only exposes what libbpf does.
#include <bpf/libbpf.h>
#include <napi.h>

#include <cerrno>
#include <vector>

#include "addon.h"
#include "bpf-object.h"
#include "libbpf-log.h"
#include "ring-buffer.h"

namespace gotrace {
namespace {

// probeMapType(type): 1 supported, 0 not, <0 -errno.
// libbpf_probe_bpf_map_type answers 0 also when the kernel said EPERM,
// which would read as "this kernel lacks the map type"; the errno its
// failed bpf() call left tells the two apart.
Napi::Value ProbeMapType(const Napi::CallbackInfo& info) {
  int type = info[0].As<Napi::Number>().Int32Value();
  LogCapture log;
  errno = 0;
  int res = libbpf_probe_bpf_map_type(static_cast<enum bpf_map_type>(type), nullptr);
  if (res == 0 && errno == EPERM) res = -EPERM;
  return Napi::Number::New(info.Env(), res);
}

// probeUprobeMulti(): 1 when the kernel has uprobe_multi links (Linux 6.6), 0 not, <0 -errno.
Napi::Value ProbeUprobeMultiJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ProbeUprobeMulti());
}

Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), libbpf_num_possible_cpus());
}

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

// Safety net for when JavaScript never closed its objects (a worker that is
// terminated, an embedder tearing down): destroy every link. On process exit
// the kernel would release them anyway, but only this also covers envs that
// end while the process goes on.
void DestroyAll(AddonData* data) {
  std::vector<BpfObject*> live(data->live.begin(), data->live.end());
  for (BpfObject* object : live) object->Destroy();
}

}  // namespace

AddonData::~AddonData() {
  for (BpfObject* object : live) object->ForgetAddonData();
}

Napi::Value MapFile(const Napi::CallbackInfo& info);  // mmap-file.cc

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  env.AddCleanupHook(DestroyAll, data);

  Napi::Function object_ctor = BpfObject::Define(env);
  Napi::Function ring_ctor = RingBuffer::Define(env);
  data->bpf_object_ctor = Napi::Persistent(object_ctor);

  Napi::Object constants = Napi::Object::New(env);
  constants.Set("BPF_MAP_TYPE_RINGBUF", static_cast<int>(BPF_MAP_TYPE_RINGBUF));
  constants.Set("BPF_ANY", static_cast<int>(BPF_ANY));
  constants.Set("BPF_NOEXIST", static_cast<int>(BPF_NOEXIST));
  constants.Set("BPF_EXIST", static_cast<int>(BPF_EXIST));

  exports.Set("BpfObject", object_ctor);
  exports.Set("RingBuffer", ring_ctor);
  exports.Set("probeMapType", Napi::Function::New<ProbeMapType>(env, "probeMapType"));
  exports.Set("probeUprobeMulti", Napi::Function::New<ProbeUprobeMultiJs>(env, "probeUprobeMulti"));
  exports.Set("numPossibleCpus", Napi::Function::New<NumPossibleCpus>(env, "numPossibleCpus"));
  exports.Set("libbpfVersion", Napi::Function::New<LibbpfVersion>(env, "libbpfVersion"));
  exports.Set("mapFile", Napi::Function::New<MapFile>(env, "mapFile"));
  exports.Set("constants", constants);
  return exports;
}

}  // namespace gotrace

// NODE_API_MODULE pastes the name into an identifier: no namespace allowed.
static Napi::Object InitGotraceBpf(Napi::Env env, Napi::Object exports) {
  return gotrace::Init(env, exports);
}

NODE_API_MODULE(gotrace_bpf, InitGotraceBpf)
