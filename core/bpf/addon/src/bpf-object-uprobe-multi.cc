// SPDX-License-Identifier: Apache-2.0
// uprobe_multi links (Linux 6.6): one link for many offsets of one binary,
// so detaching them all costs one kernel grace period instead of one each.
// libbpf 1.1 has no API for them (bpf_program__attach_uprobe_multi is 1.3),
// so this file makes the BPF_LINK_CREATE call itself.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "bpf-object.h"
#include "errors.h"
#include "libbpf-log.h"

namespace gotrace {
namespace {

// enum bpf_attach_type: BPF_TRACE_UPROBE_MULTI, after BPF_NETKIT_PEER.
// https://github.com/torvalds/linux/blob/v6.6/include/uapi/linux/bpf.h#L1042
constexpr uint32_t kTraceUprobeMulti = 48;

// union bpf_attr's link_create with its uprobe_multi arm (Linux 6.6):
// https://github.com/torvalds/linux/blob/v6.6/include/uapi/linux/bpf.h#L1648
// Older uapi headers (Debian's, for libbpf 1.1) lack the arm, hence our own.
struct UprobeMultiLinkAttr {
  uint32_t prog_fd;
  uint32_t target_fd;
  uint32_t attach_type;
  uint32_t flags;
  uint64_t path;             // const char*
  uint64_t offsets;          // const unsigned long[cnt]: file offsets
  uint64_t ref_ctr_offsets;  // NULL: no USDT semaphores
  uint64_t cookies;          // const __u64[cnt], or NULL
  uint32_t cnt;
  uint32_t uprobe_flags;     // BPF_F_UPROBE_MULTI_RETURN (1) makes uretprobes: never for Go
  uint32_t pid;              // 0: every process
};
static_assert(offsetof(UprobeMultiLinkAttr, path) == 16, "link_create.uprobe_multi.path");
static_assert(offsetof(UprobeMultiLinkAttr, cookies) == 40, "link_create.uprobe_multi.cookies");
static_assert(offsetof(UprobeMultiLinkAttr, cnt) == 48, "link_create.uprobe_multi.cnt");
static_assert(offsetof(UprobeMultiLinkAttr, pid) == 56, "link_create.uprobe_multi.pid");

// BPF_LINK_CREATE: the link fd, or -1 with errno set.
int CreateUprobeMultiLink(int prog_fd, const char* path, const std::vector<uint64_t>& offsets,
                          const uint64_t* cookies, uint32_t pid) {
  UprobeMultiLinkAttr attr;
  memset(&attr, 0, sizeof(attr));  // padding too: the kernel wants unknown bytes zero
  attr.prog_fd = static_cast<uint32_t>(prog_fd);
  attr.attach_type = kTraceUprobeMulti;
  attr.path = reinterpret_cast<uint64_t>(path);
  attr.offsets = reinterpret_cast<uint64_t>(offsets.data());
  attr.cookies = reinterpret_cast<uint64_t>(cookies);
  attr.cnt = static_cast<uint32_t>(offsets.size());
  attr.pid = pid;
  return static_cast<int>(syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr)));
}

// What libbpf 1.3 does (probe_uprobe_multi_link): load "return 0" for the
// multi attach type and link it to "/", which a kernel with uprobe_multi
// refuses with EBADF (not a regular file) and an older one with EINVAL.
int ProbeOnce() {
  const struct bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},  // r0 = 0
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                   // exit
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = static_cast<bpf_attach_type>(kTraceUprobeMulti));
  LogCapture log;
  int prog_fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "gotrace_probe", "GPL", insns, 2, &opts);
  if (prog_fd < 0) return -errno;
  std::vector<uint64_t> offsets{0};
  int link_fd = CreateUprobeMultiLink(prog_fd, "/", offsets, nullptr, 0);
  int err = link_fd < 0 ? errno : 0;
  if (link_fd >= 0) close(link_fd);
  close(prog_fd);
  return err == EBADF ? 1 : 0;
}

bool IsSection(bpf_program* prog, const char* name) {
  const char* sec = bpf_program__section_name(prog);
  return sec != nullptr && strcmp(sec, name) == 0;
}

}  // namespace

// 1 when the kernel has uprobe_multi links, 0 when not, -errno when the
// probe itself failed (EPERM). Asked once per process. GOTRACE_UPROBE_MULTI=0
// turns them off (for comparisons, and as a way around a kernel bug).
int ProbeUprobeMulti() {
  static const int cached = [] {
    const char* env = getenv("GOTRACE_UPROBE_MULTI");
    if (env != nullptr && strcmp(env, "0") == 0) return 0;
    return ProbeOnce();
  }();
  return cached;
}

// Before load: marks programs for uprobe_multi links. `which` is an array of
// program names, true (or undefined) for every SEC("uprobe") program, false
// for none. Nothing is marked when the kernel lacks uprobe_multi: then
// attaching falls back to one perf link per offset. A marked program can
// only be attached through a multi link.
std::vector<std::string> MarkUprobeMulti(bpf_object* obj, Napi::Value which) {
  std::vector<std::string> marked;
  if ((which.IsBoolean() && !which.As<Napi::Boolean>().Value()) || ProbeUprobeMulti() != 1) return marked;
  std::vector<std::string> names;
  bool all = !which.IsArray();
  if (!all) {
    Napi::Array arr = which.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) names.push_back(arr.Get(i).ToString().Utf8Value());
  }
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    std::string name = bpf_program__name(prog);
    bool wanted = all ? IsSection(prog, "uprobe")
                      : std::find(names.begin(), names.end(), name) != names.end();
    if (!wanted || bpf_program__type(prog) != BPF_PROG_TYPE_KPROBE) continue;
    bpf_program__set_expected_attach_type(prog, static_cast<bpf_attach_type>(kTraceUprobeMulti));
    marked.push_back(name);
  }
  return marked;
}

// isUprobeMulti(program): whether it was loaded for uprobe_multi links.
Napi::Value BpfObject::IsUprobeMulti(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_program* prog = FindProgram(env, StringArg(info, 0, "program"));
  return Napi::Boolean::New(env, bpf_program__expected_attach_type(prog) == kTraceUprobeMulti);
}

// attachUprobeMulti(program, binaryPath, offsets, cookies|undefined, pid): one
// uprobe_multi link, {handle, id}. The program must be marked at load.
Napi::Value BpfObject::AttachUprobeMulti(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string prog_name = StringArg(info, 0, "program");
  std::string binary = StringArg(info, 1, "binaryPath");
  if (!info[2].IsArray()) throw Napi::TypeError::New(env, "offsets must be an array of numbers");
  if (!info[4].IsNumber()) throw Napi::TypeError::New(env, "pid must be a number");
  Napi::Array offs = info[2].As<Napi::Array>();
  std::vector<uint64_t> offsets;
  for (uint32_t i = 0; i < offs.Length(); i++) {
    Napi::Value v = offs.Get(i);
    if (!v.IsNumber() || v.As<Napi::Number>().Int64Value() < 0) {
      throw Napi::RangeError::New(env, "offsets must be non-negative numbers");
    }
    offsets.push_back(static_cast<uint64_t>(v.As<Napi::Number>().Int64Value()));
  }
  if (offsets.empty()) throw Napi::RangeError::New(env, "offsets must not be empty");
  std::vector<uint64_t> cookies;
  if (info[3].IsArray()) {
    Napi::Array arr = info[3].As<Napi::Array>();
    if (arr.Length() != offsets.size()) throw Napi::RangeError::New(env, "cookies must have one value per offset");
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value v = arr.Get(i);
      if (!v.IsBigInt()) throw Napi::TypeError::New(env, "cookies must be bigints");
      bool lossless;
      cookies.push_back(v.As<Napi::BigInt>().Uint64Value(&lossless));
    }
  }
  int32_t pid = info[4].As<Napi::Number>().Int32Value();
  bpf_program* prog = FindProgram(env, prog_name);
  if (bpf_program__expected_attach_type(prog) != kTraceUprobeMulti) {
    ThrowBpfError(env, op::kAttach, EINVAL, "uprobe_multi '" + prog_name + "': not loaded for uprobe_multi links");
  }
  int fd = CreateUprobeMultiLink(bpf_program__fd(prog), binary.c_str(), offsets,
                                 cookies.empty() ? nullptr : cookies.data(),
                                 pid < 0 ? 0 : static_cast<uint32_t>(pid));
  if (fd < 0) {
    char where[64];
    snprintf(where, sizeof(where), ":0x%llx", static_cast<unsigned long long>(offsets[0]));
    std::string more = offsets.size() > 1 ? " (+" + std::to_string(offsets.size() - 1) + " more)" : "";
    ThrowBpfError(env, op::kAttach, errno,
                  "uprobe_multi '" + prog_name + "' at " + binary + where + more + " (pid " + std::to_string(pid) + ")");
  }
  return TrackLink(env, OwnedLink{nullptr, fd});
}

}  // namespace gotrace
