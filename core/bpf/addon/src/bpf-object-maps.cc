// SPDX-License-Identifier: Apache-2.0
// BpfObject's map access: by map name, with Buffer keys and values.
#include <bpf/libbpf.h>

#include <cerrno>

#include "args.h"
#include "bpf-object.h"
#include "errors.h"
#include "libbpf-log.h"

namespace gotrace {
namespace {

bool IsPerCpu(enum bpf_map_type type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

// Value buffer size that bpf_map__lookup_elem expects: per-CPU maps return
// one 8-byte-aligned slot per possible CPU.
size_t LookupValueSize(const bpf_map* map) {
  size_t size = bpf_map__value_size(map);
  if (!IsPerCpu(bpf_map__type(map))) return size;
  return ((size + 7) / 8 * 8) * static_cast<size_t>(libbpf_num_possible_cpus());
}

}  // namespace

Napi::Value BpfObject::MapNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  Napi::Array out = Napi::Array::New(env);
  bpf_map* map;
  uint32_t i = 0;
  bpf_object__for_each_map(map, obj_) out.Set(i++, bpf_map__name(map));
  return out;
}

// mapInfo(name): {type, keySize, valueSize, maxEntries, lookupSize}.
Napi::Value BpfObject::MapInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_map* map = FindMap(env, StringArg(info, 0, "map"));
  Napi::Object out = Napi::Object::New(env);
  const char* type = libbpf_bpf_map_type_str(bpf_map__type(map));
  out.Set("type", type != nullptr ? type : "unknown");
  out.Set("keySize", bpf_map__key_size(map));
  out.Set("valueSize", bpf_map__value_size(map));
  out.Set("maxEntries", bpf_map__max_entries(map));
  out.Set("lookupSize", static_cast<double>(LookupValueSize(map)));
  return out;
}

// mapLookup(name, key): the value Buffer, or null when the key is absent.
Napi::Value BpfObject::MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "map");
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  bpf_map* map = FindMap(env, name);
  RequireLoaded(env);
  size_t size = LookupValueSize(map);
  Napi::Buffer<uint8_t> value = Napi::Buffer<uint8_t>::New(env, size);
  LogCapture log;
  int err = bpf_map__lookup_elem(map, key.Data(), key.Length(), value.Data(), size, 0);
  if (err == -ENOENT) return env.Null();
  if (err) ThrowBpfError(env, op::kMap, err, path_ + ": lookup in map '" + name + "'", log.text());
  return value;
}

// mapUpdate(name, key, value, flags): flags is BPF_ANY, BPF_NOEXIST or BPF_EXIST.
void BpfObject::MapUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "map");
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  Napi::Buffer<uint8_t> value = BufferArg(info, 2, "value");
  uint64_t flags = info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : static_cast<int64_t>(BPF_ANY);
  bpf_map* map = FindMap(env, name);
  RequireLoaded(env);
  LogCapture log;
  int err = bpf_map__update_elem(map, key.Data(), key.Length(), value.Data(), value.Length(), flags);
  if (err) ThrowBpfError(env, op::kMap, err, path_ + ": update of map '" + name + "'", log.text());
}

// mapDelete(name, key): true if the key was there.
Napi::Value BpfObject::MapDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "map");
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  bpf_map* map = FindMap(env, name);
  RequireLoaded(env);
  LogCapture log;
  int err = bpf_map__delete_elem(map, key.Data(), key.Length(), 0);
  if (err == -ENOENT) return Napi::Boolean::New(env, false);
  if (err) ThrowBpfError(env, op::kMap, err, path_ + ": delete from map '" + name + "'", log.text());
  return Napi::Boolean::New(env, true);
}

// mapNextKey(name, key | null): the key after `key` (or the first), or null at the end.
Napi::Value BpfObject::MapNextKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "map");
  bpf_map* map = FindMap(env, name);
  RequireLoaded(env);
  const void* current = nullptr;
  if (info[1].IsBuffer()) current = info[1].As<Napi::Buffer<uint8_t>>().Data();
  size_t key_size = bpf_map__key_size(map);
  if (current != nullptr && info[1].As<Napi::Buffer<uint8_t>>().Length() != key_size) {
    ThrowBpfError(env, op::kMap, EINVAL, path_ + ": key for map '" + name + "' has the wrong size");
  }
  Napi::Buffer<uint8_t> next = Napi::Buffer<uint8_t>::New(env, key_size);
  LogCapture log;
  int err = bpf_map__get_next_key(map, current, next.Data(), key_size);
  if (err == -ENOENT) return env.Null();
  if (err) ThrowBpfError(env, op::kMap, err, path_ + ": iterating map '" + name + "'", log.text());
  return next;
}

}  // namespace gotrace
