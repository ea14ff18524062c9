#include "bpf_device.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "syscall_error.h"

namespace {

int Bpf(int cmd, union bpf_attr* attr) { return static_cast<int>(syscall(__NR_bpf, cmd, attr, sizeof(*attr))); }

// Closes an fd when it goes out of scope; every early return stays leak-free.
struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// The ids of the BPF_CGROUP_DEVICE programs attached to the cgroup itself
// (not its ancestors: no BPF_F_QUERY_EFFECTIVE). ENOSPC tells the real count.
bool QueryDevicePrograms(int dirFd, std::vector<uint32_t>* ids, int* err) {
  ids->assign(64, 0);
  for (int attempt = 0; attempt < 10; attempt++) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = static_cast<uint32_t>(dirFd);
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = reinterpret_cast<uint64_t>(ids->data());
    attr.query.prog_cnt = static_cast<uint32_t>(ids->size());
    if (Bpf(BPF_PROG_QUERY, &attr) == 0) {
      ids->resize(attr.query.prog_cnt);
      return true;
    }
    if (errno != ENOSPC) {
      *err = errno;
      return false;
    }
    ids->assign(attr.query.prog_cnt + 1, 0);
  }
  *err = ENOSPC;
  return false;
}

int LoadProgram(const uint8_t* insns, size_t count, const std::string& license, char* log, uint32_t logSize) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uint64_t>(insns);
  attr.insn_cnt = static_cast<uint32_t>(count);
  attr.license = reinterpret_cast<uint64_t>(license.c_str());
  if (log) {
    attr.log_level = 1;
    attr.log_buf = reinterpret_cast<uint64_t>(log);
    attr.log_size = logSize;
  }
  // shown by bpftool prog
  strncpy(attr.prog_name, "ce_devices", sizeof(attr.prog_name) - 1);
  return Bpf(BPF_PROG_LOAD, &attr);
}

Napi::Value AttachCgroupDeviceFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsBuffer() || !info[2].IsString()) {
    Napi::TypeError::New(env, "attachCgroupDeviceFilter(cgroupDir: string, insns: Buffer, license: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  Napi::Buffer<uint8_t> insns = info[1].As<Napi::Buffer<uint8_t>>();
  std::string license = info[2].As<Napi::String>().Utf8Value();
  if (insns.Length() == 0 || insns.Length() % sizeof(struct bpf_insn) != 0) {
    Napi::RangeError::New(env, "attachCgroupDeviceFilter: insns must be a non-empty list of 8-byte struct bpf_insn")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  size_t count = insns.Length() / sizeof(struct bpf_insn);
  std::string countText = std::to_string(count) + " insns";

  Fd dirFd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.fd < 0) {
    ThrowSyscallError(env, "open", errno, {dir, "O_DIRECTORY"});
    return env.Undefined();
  }
  std::vector<uint32_t> oldIds;
  int err = 0;
  if (!QueryDevicePrograms(dirFd.fd, &oldIds, &err)) {
    ThrowSyscallError(env, "bpf", err, {"BPF_PROG_QUERY", dir, "BPF_CGROUP_DEVICE"});
    return env.Undefined();
  }

  Fd prog(LoadProgram(insns.Data(), count, license, nullptr, 0));
  if (prog.fd < 0) {
    int loadErr = errno;
    // Load again with a log buffer only to explain the failure: the verifier's
    // log costs time, and a program that loads needs none.
    std::vector<char> log(256 * 1024, '\0');
    Fd retry(LoadProgram(insns.Data(), count, license, log.data(), static_cast<uint32_t>(log.size())));
    Napi::Error error = MakeSyscallError(env, "bpf", loadErr, {"BPF_PROG_LOAD", "BPF_PROG_TYPE_CGROUP_DEVICE", countText, license});
    std::string text(log.data(), strnlen(log.data(), log.size()));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (!text.empty()) {
      Napi::Object obj = error.Value();
      obj.Set("message", Napi::String::New(env, obj.Get("message").As<Napi::String>().Utf8Value() + "; verifier log:\n" + text));
      obj.Set("verifierLog", Napi::String::New(env, text));
    }
    error.ThrowAsJavaScriptException();
    return env.Undefined();
  }

  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.target_fd = static_cast<uint32_t>(dirFd.fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog.fd);
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attr) != 0) {
    ThrowSyscallError(env, "bpf", errno, {"BPF_PROG_ATTACH", dir, "BPF_CGROUP_DEVICE", "BPF_F_ALLOW_MULTI"});
    return env.Undefined();
  }

  struct bpf_prog_info progInfo;
  memset(&progInfo, 0, sizeof(progInfo));
  memset(&attr, 0, sizeof(attr));
  attr.info.bpf_fd = static_cast<uint32_t>(prog.fd);
  attr.info.info_len = sizeof(progInfo);
  attr.info.info = reinterpret_cast<uint64_t>(&progInfo);
  uint32_t newId = Bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0 ? progInfo.id : 0;

  // The new filter is in place; both apply (all must allow) until the old ones go.
  for (uint32_t id : oldIds) {
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    Fd old(Bpf(BPF_PROG_GET_FD_BY_ID, &attr));
    if (old.fd < 0) {
      if (errno == ENOENT) continue;  // detached and freed meanwhile
      ThrowSyscallError(env, "bpf", errno, {"BPF_PROG_GET_FD_BY_ID", std::to_string(id)});
      return env.Undefined();
    }
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = static_cast<uint32_t>(dirFd.fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(old.fd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    if (Bpf(BPF_PROG_DETACH, &attr) != 0 && errno != ENOENT) {
      ThrowSyscallError(env, "bpf", errno, {"BPF_PROG_DETACH", dir, "BPF_CGROUP_DEVICE", "old program " + std::to_string(id)});
      return env.Undefined();
    }
  }
  return Napi::Number::New(env, newId);
}

Napi::Value CgroupDeviceFilters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "cgroupDeviceFilters(cgroupDir: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  Fd dirFd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.fd < 0) {
    ThrowSyscallError(env, "open", errno, {dir, "O_DIRECTORY"});
    return env.Undefined();
  }
  std::vector<uint32_t> ids;
  int err = 0;
  if (!QueryDevicePrograms(dirFd.fd, &ids, &err)) {
    ThrowSyscallError(env, "bpf", err, {"BPF_PROG_QUERY", dir, "BPF_CGROUP_DEVICE"});
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, ids[i]));
  return out;
}

}  // namespace

void RegisterBpfDevice(Napi::Env env, Napi::Object exports) {
  exports.Set("attachCgroupDeviceFilter", Napi::Function::New(env, AttachCgroupDeviceFilter, "attachCgroupDeviceFilter"));
  exports.Set("cgroupDeviceFilters", Napi::Function::New(env, CgroupDeviceFilters, "cgroupDeviceFilters"));
}
