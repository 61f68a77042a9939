// SPDX-License-Identifier: Apache-2.0
// mapFile(path): a read-only, private memory map of a file as a Buffer.
// Analysis reads a few sections of a binary that may be tens of megabytes;
// mapping it instead of reading it costs no copy, and only the pages touched
// count toward our memory. The mapping is released when the Buffer is
// garbage collected.
#include <napi.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace gotrace {

static Napi::Value Fail(Napi::Env env, const char* what, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : "EIO"));
  throw e;
}

Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(env, "open", errno);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int err = errno;
    close(fd);
    return Fail(env, "fstat", err);
  }
  if (!S_ISREG(st.st_mode) || st.st_size == 0) {
    close(fd);
    return Napi::Buffer<uint8_t>::New(env, 0);
  }
  size_t size = static_cast<size_t>(st.st_size);
  // MAP_SHARED, not MAP_PRIVATE: the kernel installs uprobes (INT3) into every private
  // mapping of a probed file, ours included, so a private map of a binary another
  // session traces would show breakpoints where its RETs are. Shared ones are skipped.
  void* addr = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);  // the mapping keeps the file referenced
  if (addr == MAP_FAILED) return Fail(env, "mmap", err);
  return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(addr), size,
                                    [size](Napi::Env, uint8_t* p) { munmap(p, size); });
}

}  // namespace gotrace
