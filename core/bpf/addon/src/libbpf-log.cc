// SPDX-License-Identifier: Apache-2.0
#include "libbpf-log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace gotrace {
namespace {

// libbpf_set_print is process-wide; the capture target is per thread so
// that worker threads using the addon do not mix their logs.
thread_local std::string* current = nullptr;

// LIBBPF_DEBUG output (every relocation) is noise in an error message; set
// GOTRACE_LIBBPF_DEBUG=1 to include it.
bool debug_enabled = false;

int Print(enum libbpf_print_level level, const char* format, va_list args) {
  if (current == nullptr) return 0;  // outside our calls: stay quiet
  if (level == LIBBPF_DEBUG && !debug_enabled) return 0;
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return 0;
  size_t old = current->size();
  current->resize(old + static_cast<size_t>(n) + 1);
  vsnprintf(&(*current)[old], static_cast<size_t>(n) + 1, format, args);
  current->resize(old + static_cast<size_t>(n));
  return n;
}

}  // namespace

void InstallLibbpfPrint() {
  const char* env = getenv("GOTRACE_LIBBPF_DEBUG");
  debug_enabled = env != nullptr && env[0] != '\0' && env[0] != '0';
  libbpf_set_print(Print);
}

LogCapture::LogCapture() : previous_(current) { current = &text_; }

LogCapture::~LogCapture() { current = previous_; }

}  // namespace gotrace
