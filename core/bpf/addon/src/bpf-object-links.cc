// SPDX-License-Identifier: Apache-2.0
// BpfObject's links: destroying one, many in parallel, or many off the event loop.
#include <algorithm>
#include <thread>
#include <vector>
#include <unistd.h>
#include "bpf-object.h"

namespace gotrace {

int OwnedLink::Fd() const { return link != nullptr ? bpf_link__fd(link) : fd; }

void OwnedLink::Destroy() {
  if (link != nullptr) bpf_link__destroy(link);
  // The last reference to a link fd going away detaches it (for uprobe_multi:
  // every offset, then one wait for the kernel).
  if (fd >= 0) close(fd);
  link = nullptr;
  fd = -1;
}

// Destroying a uprobe link waits for the kernel to finish with the probe (an
// RCU grace period in uprobe_unregister: about 100 ms each on Linux 6.x).
// The kernel serializes those waits (measured: parallel threads do not
// help), which is why uprobes go in uprobe_multi links: one wait for all of a
// program's sites. Threads stay for the remaining per-site links (older
// kernels). Different links share no libbpf state.
void DestroyLinksConcurrently(std::vector<OwnedLink>& links) {
  const size_t kMaxThreads = 64;
  for (size_t base = 0; base < links.size(); base += kMaxThreads) {
    std::vector<std::thread> threads;
    for (size_t i = base; i < std::min(links.size(), base + kMaxThreads); i++) {
      threads.emplace_back([link = links[i]]() mutable { link.Destroy(); });
    }
    for (auto& t : threads) t.join();
  }
  links.clear();
}

void BpfObject::DetachAll() {
  std::vector<OwnedLink> all;
  for (auto& entry : links_) all.push_back(entry.second);
  links_.clear();
  DestroyLinksConcurrently(all);
}

std::vector<OwnedLink> BpfObject::TakeLinks(const Napi::Array& handles) {
  std::vector<OwnedLink> out;
  for (uint32_t i = 0; i < handles.Length(); i++) {
    Napi::Value v = handles.Get(i);
    if (!v.IsNumber()) continue;
    auto it = links_.find(v.As<Napi::Number>().Uint32Value());
    if (it == links_.end()) continue;
    out.push_back(it->second);
    links_.erase(it);
  }
  return out;
}

// destroyLinks(handles): destroys them in parallel, blocking; returns how many were live.
Napi::Value BpfObject::DestroyLinks(const Napi::CallbackInfo& info) {
  std::vector<OwnedLink> links = TakeLinks(info[0].As<Napi::Array>());
  size_t n = links.size();
  DestroyLinksConcurrently(links);
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

namespace {
class DestroyLinksWorker : public Napi::AsyncWorker {
 public:
  DestroyLinksWorker(Napi::Function cb, std::vector<OwnedLink> links)
      : Napi::AsyncWorker(cb, "gotrace:destroyLinks"), links_(std::move(links)), count_(links_.size()) {}
  void Execute() override { DestroyLinksConcurrently(links_); }
  void OnOK() override { Callback().Call({Env().Null(), Napi::Number::New(Env(), static_cast<double>(count_))}); }

 private:
  std::vector<OwnedLink> links_;
  size_t count_;
};
}  // namespace

// destroyLinksAsync(handles, cb): detaches on a worker thread, off the event
// loop; the handles are forgotten at once, so close() will not touch them.
void BpfObject::DestroyLinksAsync(const Napi::CallbackInfo& info) {
  std::vector<OwnedLink> links = TakeLinks(info[0].As<Napi::Array>());
  (new DestroyLinksWorker(info[1].As<Napi::Function>(), std::move(links)))->Queue();
}

// destroyLink(handle): true if the link was live.
Napi::Value BpfObject::DestroyLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t handle = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  auto it = links_.find(handle);
  if (it == links_.end()) return Napi::Boolean::New(env, false);
  it->second.Destroy();
  links_.erase(it);
  return Napi::Boolean::New(env, true);
}

Napi::Value BpfObject::LinkCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(links_.size()));
}

}  // namespace gotrace
