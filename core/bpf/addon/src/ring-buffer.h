// SPDX-License-Identifier: Apache-2.0
// RingBuffer: consumes a BPF ring buffer map on Node's event loop.
//
// libbpf's ring_buffer has an epoll fd that becomes readable when a ring has
// data; libuv polls that fd (uv_poll_t), so nothing blocks and nothing spins.
// On each wakeup ring_buffer__consume drains the rings and every record of
// the wakeup goes to JavaScript in ONE call: a Buffer of the records back to
// back, and a Uint32Array of each record's end offset.
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace gotrace {

class BpfObject;

class RingBuffer : public Napi::ObjectWrap<RingBuffer> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new RingBuffer(bpfObject, mapName, onBatch(err, data, ends), maxBatch)
  explicit RingBuffer(const Napi::CallbackInfo& info);
  ~RingBuffer() override;

  // Stops polling and frees the ring. Idempotent.
  void Close();

 private:
  static int OnSample(void* ctx, void* data, size_t size);
  static void OnReadable(uv_poll_t* handle, int status, int events);
  void Drain(int status);
  void Deliver(Napi::Env env, std::initializer_list<napi_value> args);
  void ReleaseJs();

  Napi::Value Stats(const Napi::CallbackInfo& info);
  void CloseJs(const Napi::CallbackInfo& info);
  void DrainJs(const Napi::CallbackInfo& info);
  void RefJs(const Napi::CallbackInfo& info);
  void UnrefJs(const Napi::CallbackInfo& info);

  BpfObject* owner_ = nullptr;
  Napi::ObjectReference owner_ref_;  // keeps the owner's JS object alive
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> async_;
  ring_buffer* rb_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  bool self_ref_ = false;     // a strong ref on our JS object while polling
  bool in_callback_ = false;  // inside Deliver: JS refs must outlive the call

  // The batch being collected by OnSample during one consume.
  std::vector<uint8_t> batch_;
  std::vector<uint32_t> ends_;
  size_t max_batch_ = 0;
  bool batch_full_ = false;

  uint64_t delivered_ = 0;      // records handed to JavaScript
  uint64_t batches_ = 0;        // JavaScript calls
  uint64_t wakeups_ = 0;        // times libuv reported readiness
  uint64_t empty_wakeups_ = 0;  // wakeups that found no record
  uint64_t largest_batch_ = 0;
};

}  // namespace gotrace
