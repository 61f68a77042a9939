// SPDX-License-Identifier: Apache-2.0
// Captures what libbpf prints (warnings, the verifier log) during one call, so
// that the error thrown to JavaScript carries it instead of it going to stderr.
#pragma once

#include <string>

namespace gotrace {

// Installs the libbpf print callback. Call once at module load.
void InstallLibbpfPrint();

// While alive, libbpf output on this thread is appended to an internal buffer.
// Nests: an inner capture hides its text from the outer one.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string* previous_;
};

}  // namespace gotrace
