{
  "targets": [
    {
      "target_name": "ce_native",
      "sources": ["native/addon.cc", "native/wait.cc", "native/syscall_error.cc", "native/fs_ops.cc", "native/spawn.cc", "native/fd_passing.cc", "native/terminal.cc", "native/bpf_device.cc", "native/netlink.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "ce-init",
      "type": "executable",
      "sources": ["native/init/ce-init.c", "native/init/plan.c", "native/init/mounts.c", "native/init/process.c", "native/init/seccomp.c", "native/init/console.c", "native/init/hooks.c", "native/init/userns.c", "native/init/keyring.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "ce-monitor",
      "type": "executable",
      "sources": ["native/monitor/ce-monitor.c", "native/monitor/attach.c", "native/monitor/log_entry.c", "native/monitor/log_file.c", "native/monitor/log_cri.c", "native/monitor/log_local.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Os"],
      "ldflags": ["-s"],
      "libraries": ["-lz"]
    },
    {
      "target_name": "ce-container-init",
      "type": "executable",
      "sources": ["native/container-init/container-init.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Os"],
      "ldflags": ["-static", "-s"]
    }
  ]
}
