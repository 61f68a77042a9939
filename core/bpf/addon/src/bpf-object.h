// SPDX-License-Identifier: Apache-2.0
// BpfObject: one libbpf bpf_object (an ELF file of maps and programs) and the
// links attached from it. JavaScript side: core/bpf/bpf-object.ts.
#pragma once

#include <vector>
#include <bpf/libbpf.h>
#include <napi.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "addon.h"

namespace gotrace {

class RingBuffer;

// A link the object owns: a libbpf bpf_link, or a bare link fd from a raw
// BPF_LINK_CREATE that libbpf 1.1 has no API for (uprobe_multi).
struct OwnedLink {
  bpf_link* link = nullptr;
  int fd = -1;
  int Fd() const;
  // Detaches: may wait for the kernel (an RCU grace period for uprobes).
  void Destroy();
};

// uprobe_multi support (bpf-object-uprobe-multi.cc): the kernel probe, and
// marking programs before load.
int ProbeUprobeMulti();
std::vector<std::string> MarkUprobeMulti(bpf_object* obj, Napi::Value which);

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

  // Destroys links, then ring buffers, then the object. Idempotent; also
  // called by the environment cleanup hook and the GC finalizer.
  void Destroy();
  // Destroys every link; maps and ring buffers stay usable.
  void DetachAll();

  // For RingBuffer: the loaded map's fd, or throws.
  int RingBufferMapFd(Napi::Env env, const std::string& name);
  void AddRing(RingBuffer* ring) { rings_.insert(ring); }
  void RemoveRing(RingBuffer* ring) { rings_.erase(ring); }
  void ForgetAddonData() { data_ = nullptr; }

 private:
  bpf_map* FindMap(Napi::Env env, const std::string& name);
  bpf_program* FindProgram(Napi::Env env, const std::string& name);
  void RequireOpen(Napi::Env env);
  void RequireLoaded(Napi::Env env);
  Napi::Value TrackLink(Napi::Env env, OwnedLink link);

  Napi::Value ConstInfo(const Napi::CallbackInfo& info);
  void SetConst(const Napi::CallbackInfo& info);
  void SetMaxEntries(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value ProgramNames(const Napi::CallbackInfo& info);
  Napi::Value MapNames(const Napi::CallbackInfo& info);
  Napi::Value MapInfo(const Napi::CallbackInfo& info);
  Napi::Value MapLookup(const Napi::CallbackInfo& info);
  void MapUpdate(const Napi::CallbackInfo& info);
  Napi::Value MapDelete(const Napi::CallbackInfo& info);
  Napi::Value MapNextKey(const Napi::CallbackInfo& info);
  Napi::Value AttachUprobe(const Napi::CallbackInfo& info);
  Napi::Value AttachUprobeMulti(const Napi::CallbackInfo& info);
  Napi::Value IsUprobeMulti(const Napi::CallbackInfo& info);
  Napi::Value AttachTracepoint(const Napi::CallbackInfo& info);
  Napi::Value DestroyLink(const Napi::CallbackInfo& info);
  Napi::Value DestroyLinks(const Napi::CallbackInfo& info);
  void DestroyLinksAsync(const Napi::CallbackInfo& info);
  std::vector<OwnedLink> TakeLinks(const Napi::Array& handles);
  Napi::Value LinkCount(const Napi::CallbackInfo& info);
  void DetachAllJs(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  AddonData* data_ = nullptr;
  std::string path_;
  bpf_object* obj_ = nullptr;
  bool loaded_ = false;
  uint32_t next_link_ = 0;
  std::map<uint32_t, OwnedLink> links_;
  std::set<RingBuffer*> rings_;
};

}  // namespace gotrace
