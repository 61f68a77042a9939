# SPDX-License-Identifier: Apache-2.0
# gotrace's libbpf binding. Built by core/bpf/addon/build.sh into
# core/bpf/addon/build/Release/gotrace_bpf.node, against the system libbpf.
{
  "targets": [
    {
      "target_name": "gotrace_bpf",
      "sources": [
        "src/addon.cc",
        "src/bpf-object.cc",
        "src/bpf-object-links.cc",
        "src/bpf-object-maps.cc",
        "src/bpf-object-uprobe-multi.cc",
        "src/errors.cc",
        "src/libbpf-log.cc",
        "src/mmap-file.cc",
        "src/ring-buffer.cc"
      ],
      # The headers only, not node-addon-api's gyp targets: depending on a .gyp
      # outside this folder makes gyp write .mk files beside it.
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
