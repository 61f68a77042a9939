// SPDX-License-Identifier: Apache-2.0
// Errors thrown to JavaScript carry, besides the message, the fields that
// core/bpf/native-error.ts turns into a GotraceError: op, errno, code, log.
#pragma once

#include <napi.h>

#include <string>

namespace gotrace {

// The operation that failed; native-error.ts maps each to an error code.
namespace op {
constexpr const char* kOpen = "open";
constexpr const char* kConst = "const";
constexpr const char* kLoad = "load";
constexpr const char* kMap = "map";
constexpr const char* kAttach = "attach";
constexpr const char* kRingBuffer = "ringbuf";
constexpr const char* kState = "state";
}  // namespace op

// Throws a JS Error "<what>: <strerror>" with errno (positive), code
// ("EPERM"...), op, and the captured libbpf log. err may be negative.
[[noreturn]] void ThrowBpfError(Napi::Env env, const char* op, int err,
                                const std::string& what,
                                const std::string& log = std::string());

}  // namespace gotrace
