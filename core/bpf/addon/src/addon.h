// SPDX-License-Identifier: Apache-2.0
// Per-environment state of the addon: the class constructors and the set of
// live BpfObjects, so that the environment cleanup hook can destroy every
// link even if JavaScript never called close().
#pragma once

#include <napi.h>

#include <set>

namespace gotrace {

class BpfObject;

struct AddonData {
  ~AddonData();
  Napi::FunctionReference bpf_object_ctor;
  std::set<BpfObject*> live;
};

}  // namespace gotrace
