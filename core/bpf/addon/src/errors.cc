// SPDX-License-Identifier: Apache-2.0
#include "errors.h"

#include <bpf/libbpf.h>

#include <cstring>

namespace gotrace {

void ThrowBpfError(Napi::Env env, const char* op, int err,
                   const std::string& what, const std::string& log) {
  int e = err < 0 ? -err : err;
  char reason[256];
  // Covers both errno values and libbpf's own LIBBPF_ERRNO__* codes.
  libbpf_strerror(e, reason, sizeof(reason));
  Napi::Error error = Napi::Error::New(env, what + ": " + reason);
  const char* name = strerrorname_np(e);
  error.Set("op", Napi::String::New(env, op));
  error.Set("errno", Napi::Number::New(env, e));
  error.Set("code", Napi::String::New(env, name != nullptr ? name : "EUNKNOWN"));
  error.Set("log", Napi::String::New(env, log));
  throw error;
}

}  // namespace gotrace
