// The Node side of ce's native boundary: the few syscalls Node cannot make
// itself. Everything that must happen inside a container's namespaces is done
// by the ce-init helper, never in this (multi-threaded) process.
#include <napi.h>

#include <errno.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "bpf_device.h"
#include "fd_passing.h"
#include "netlink.h"
#include "terminal.h"
#include "fs_ops.h"
#include "spawn.h"
#include "syscall_error.h"
#include "wait.h"

namespace {

std::string OptString(const Napi::Value& v) { return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string(); }

Napi::Value ThrowTypeError(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool CheckArgs(const Napi::CallbackInfo& info, size_t n, const char* usage) {
  if (info.Length() < n) {
    Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null)
Napi::Value Mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckArgs(info, 5, "mount(source, target, fstype, flags, data)") || !info[1].IsString() || !info[3].IsNumber()) {
    if (!env.IsExceptionPending()) Napi::TypeError::New(env, "mount: target must be a string and flags a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string source = OptString(info[0]), target = OptString(info[1]), fstype = OptString(info[2]), data = OptString(info[4]);
  unsigned long flags = static_cast<unsigned long>(info[3].As<Napi::Number>().Int64Value());
  if (mount(info[0].IsString() ? source.c_str() : nullptr, target.c_str(), info[2].IsString() ? fstype.c_str() : nullptr, flags,
            info[4].IsString() ? data.c_str() : nullptr) != 0) {
    ThrowSyscallError(env, "mount", errno, {source, target, fstype, std::to_string(flags), data});
  }
  return env.Undefined();
}

// umount2(target: string, flags: number)
Napi::Value Umount2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckArgs(info, 2, "umount2(target, flags)")) return env.Undefined();
  if (!info[0].IsString()) return ThrowTypeError(env, "umount2: target must be a string");
  if (!info[1].IsNumber()) return ThrowTypeError(env, "umount2: flags must be a number");
  std::string target = OptString(info[0]);
  int flags = info[1].As<Napi::Number>().Int32Value();
  if (umount2(target.c_str(), flags) != 0) ThrowSyscallError(env, "umount2", errno, {target, std::to_string(flags)});
  return env.Undefined();
}

// flock(fd: number, operation: number): false when LOCK_NB was given and the lock is held elsewhere.
Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckArgs(info, 2, "flock(fd, operation)")) return env.Undefined();
  if (!info[0].IsNumber()) return ThrowTypeError(env, "flock: fd must be a number");
  if (!info[1].IsNumber()) return ThrowTypeError(env, "flock: operation must be a number");
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].As<Napi::Number>().Int32Value();
  if (flock(fd, op) != 0) {
    if (errno == EWOULDBLOCK && (op & LOCK_NB)) return Napi::Boolean::New(env, false);
    ThrowSyscallError(env, "flock", errno, {std::to_string(fd), std::to_string(op)});
    return env.Undefined();
  }
  return Napi::Boolean::New(env, true);
}

// setChildSubreaper(on: boolean): orphaned descendants are reparented to this process.
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  unsigned long on = info.Length() > 0 && info[0].ToBoolean().Value() ? 1 : 0;
  if (prctl(PR_SET_CHILD_SUBREAPER, on, 0, 0, 0) != 0) ThrowSyscallError(env, "prctl", errno, {"PR_SET_CHILD_SUBREAPER", std::to_string(on)});
  return env.Undefined();
}

// pipe(): [readFd, writeFd], both O_CLOEXEC. Node's own "pipe" stdio makes
// socketpairs; containers expect real pipes (open("/dev/stdout") fails on a socket).
Napi::Value Pipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ThrowSyscallError(env, "pipe2", errno, {"O_CLOEXEC"});
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(uint32_t(0), Napi::Number::New(env, fds[0]));
  out.Set(uint32_t(1), Napi::Number::New(env, fds[1]));
  return out;
}

// mkfifo(path: string, mode: number)
Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckArgs(info, 2, "mkfifo(path, mode)") || !info[0].IsString() || !info[1].IsNumber()) {
    if (!env.IsExceptionPending()) Napi::TypeError::New(env, "mkfifo: path must be a string and mode a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  if (mkfifo(path.c_str(), mode) != 0) ThrowSyscallError(env, "mkfifo", errno, {path, std::to_string(mode)});
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("umount2", Napi::Function::New(env, Umount2, "umount2"));
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  exports.Set("pipe", Napi::Function::New(env, Pipe, "pipe"));
  RegisterSpawn(env, exports);
  exports.Set("waitPid", Napi::Function::New(env, WaitPid, "waitPid"));
  RegisterFsOps(env, exports);
  RegisterFdPassing(env, exports);
  RegisterTerminal(env, exports);
  RegisterBpfDevice(env, exports);
  RegisterNetlink(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ce_native, Init)
