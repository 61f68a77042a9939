// SPDX-License-Identifier: Apache-2.0
#include "ring-buffer.h"

#include <cerrno>
#include <cstring>

#include "bpf-object.h"
#include "errors.h"
#include "libbpf-log.h"

namespace gotrace {

Napi::Function RingBuffer::Define(Napi::Env env) {
  return DefineClass(env, "RingBuffer",
                     {
                         InstanceMethod<&RingBuffer::Stats>("stats"),
                         InstanceMethod<&RingBuffer::CloseJs>("close"),
                         InstanceMethod<&RingBuffer::DrainJs>("drain"),
                         InstanceMethod<&RingBuffer::RefJs>("ref"),
                         InstanceMethod<&RingBuffer::UnrefJs>("unref"),
                     });
}

RingBuffer::RingBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBuffer>(info) {
  Napi::Env env = info.Env();
  AddonData* data = env.GetInstanceData<AddonData>();
  if (!info[0].IsObject() || data == nullptr ||
      !info[0].As<Napi::Object>().InstanceOf(data->bpf_object_ctor.Value())) {
    throw Napi::TypeError::New(env, "the first argument must be a BpfObject");
  }
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "mapName must be a string");
  if (!info[2].IsFunction()) throw Napi::TypeError::New(env, "onBatch must be a function");
  max_batch_ = info[3].IsNumber() ? info[3].As<Napi::Number>().Uint32Value() : 0;
  if (max_batch_ == 0) max_batch_ = SIZE_MAX;

  Napi::Object owner_obj = info[0].As<Napi::Object>();
  BpfObject* owner = BpfObject::Unwrap(owner_obj);
  std::string map_name = info[1].As<Napi::String>().Utf8Value();
  int map_fd = owner->RingBufferMapFd(env, map_name);

  LogCapture log;
  rb_ = ring_buffer__new(map_fd, OnSample, this, nullptr);
  if (rb_ == nullptr) ThrowBpfError(env, op::kRingBuffer, errno, "ring buffer '" + map_name + "'", log.text());

  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  int err = uv_poll_init(loop, poll_, ring_buffer__epoll_fd(rb_));
  if (err != 0) {
    delete poll_;  // never initialized: uv_close must not see it
    poll_ = nullptr;
  } else {
    poll_->data = this;
    err = uv_poll_start(poll_, UV_READABLE, OnReadable);
  }
  if (err != 0) {
    Close();
    ThrowBpfError(env, op::kRingBuffer, -err, std::string("polling ring buffer '") + map_name + "'");
  }

  owner_ = owner;
  owner_->AddRing(this);
  owner_ref_ = Napi::Persistent(owner_obj);
  callback_ = Napi::Persistent(info[2].As<Napi::Function>());
  async_ = std::make_unique<Napi::AsyncContext>(env, "gotrace:ringbuf", info.This().As<Napi::Object>());
  Ref();  // an active consumer must not be collected, like an open socket
  self_ref_ = true;
}

RingBuffer::~RingBuffer() {
  self_ref_ = false;  // the GC is collecting us: no ref left to drop
  Close();
}

void RingBuffer::Close() {
  if (poll_ != nullptr) {
    // uv_poll_stop removes the fd from libuv's epoll set at once, so the
    // epoll fd can be closed (by ring_buffer__free) before the close callback.
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
  }
  if (rb_ != nullptr) {
    ring_buffer__free(rb_);
    rb_ = nullptr;
  }
  if (owner_ != nullptr) {
    owner_->RemoveRing(this);
    owner_ = nullptr;
  }
  // Closed from inside our own callback: Deliver releases these on return.
  if (!in_callback_) ReleaseJs();
}

void RingBuffer::ReleaseJs() {
  if (!self_ref_) return;
  self_ref_ = false;
  owner_ref_.Reset();
  callback_.Reset();
  async_.reset();
  Unref();
}

int RingBuffer::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingBuffer*>(ctx);
  // libbpf has already advanced past this record: always keep it.
  self->batch_.insert(self->batch_.end(), static_cast<uint8_t*>(data),
                      static_cast<uint8_t*>(data) + size);
  self->ends_.push_back(static_cast<uint32_t>(self->batch_.size()));
  if (self->ends_.size() >= self->max_batch_) {
    // Stop here and yield to the event loop; the fd stays readable
    // (level-triggered), so libuv calls us again for the rest.
    self->batch_full_ = true;
    return -ENOBUFS;
  }
  return 0;
}

void RingBuffer::OnReadable(uv_poll_t* handle, int status, int events) {
  static_cast<RingBuffer*>(handle->data)->Drain(status);
}

void RingBuffer::Deliver(Napi::Env env, std::initializer_list<napi_value> args) {
  in_callback_ = true;
  try {
    // MakeCallback (not Call): runs microtasks and async hooks afterwards,
    // as for any I/O callback.
    callback_.MakeCallback(Value(), args, *async_);
  } catch (const Napi::Error& e) {
    // No JavaScript frame is below us to catch it: report it as uncaught.
    napi_fatal_exception(env, e.Value());
  }
  in_callback_ = false;
  if (rb_ == nullptr) ReleaseJs();  // the callback closed us
}

void RingBuffer::Drain(int status) {
  if (rb_ == nullptr) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  wakeups_++;
  if (status < 0) {
    Napi::Error error = Napi::Error::New(env, std::string("polling the ring buffer failed: ") + uv_strerror(status));
    error.Set("op", op::kRingBuffer);
    error.Set("errno", Napi::Number::New(env, -status));
    Deliver(env, {error.Value(), env.Null(), env.Null()});
    Close();  // a failing poll would report again on every turn
    return;
  }
  batch_.clear();
  ends_.clear();
  batch_full_ = false;
  int n = ring_buffer__consume(rb_);
  if (n < 0 && !batch_full_) {
    char reason[128];
    libbpf_strerror(-n, reason, sizeof(reason));
    Napi::Error error = Napi::Error::New(env, std::string("ring buffer consume failed: ") + reason);
    error.Set("op", op::kRingBuffer);
    error.Set("errno", Napi::Number::New(env, -n));
    Deliver(env, {error.Value(), env.Null(), env.Null()});
    return;
  }
  if (ends_.empty()) {
    empty_wakeups_++;
    return;
  }
  delivered_ += ends_.size();
  batches_++;
  if (ends_.size() > largest_batch_) largest_batch_ = ends_.size();
  Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::Copy(env, batch_.data(), batch_.size());
  Napi::Uint32Array ends = Napi::Uint32Array::New(env, ends_.size());
  memcpy(ends.Data(), ends_.data(), ends_.size() * sizeof(uint32_t));
  // Release big bursts' memory; keep a small batch's capacity for reuse.
  if (batch_.capacity() > (1u << 20)) std::vector<uint8_t>().swap(batch_);
  Deliver(env, {env.Null(), data, ends});
}

// stats(): counters since creation.
Napi::Value RingBuffer::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("delivered", static_cast<double>(delivered_));
  out.Set("batches", static_cast<double>(batches_));
  out.Set("wakeups", static_cast<double>(wakeups_));
  out.Set("emptyWakeups", static_cast<double>(empty_wakeups_));
  out.Set("largestBatch", static_cast<double>(largest_batch_));
  return out;
}

void RingBuffer::CloseJs(const Napi::CallbackInfo& info) { Close(); }

// drain(): delivers whatever is in the ring now, synchronously (in batches of
// max_batch), so records submitted just before a detach are not lost on close.
void RingBuffer::DrainJs(const Napi::CallbackInfo& info) {
  do {
    Drain(0);
  } while (rb_ != nullptr && batch_full_);
}

void RingBuffer::RefJs(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
}

void RingBuffer::UnrefJs(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
}

}  // namespace gotrace
