// SPDX-License-Identifier: Apache-2.0
// Argument checks shared by the addon's methods: a wrong type is a TypeError.
#pragma once

#include <napi.h>

#include <string>

namespace gotrace {

inline Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsBuffer()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  }
  return info[i].As<Napi::Buffer<uint8_t>>();
}

inline std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[i].As<Napi::String>().Utf8Value();
}

}  // namespace gotrace
