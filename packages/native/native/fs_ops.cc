#include "fs_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <string>
#include <utility>
#include <vector>

#include "syscall_error.h"

namespace {

bool Usage(const Napi::CallbackInfo& info, size_t n, const char* usage) {
  for (size_t i = 0; i < n; i++) {
    if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) {
      Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

std::string Octal(unsigned int v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0%o", v);
  return buf;
}

// mknod(path: string, mode: number, major: number, minor: number)
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usage(info, 4, "mknod(path, mode, major, minor)")) return env.Undefined();
  std::string path = info[0].ToString().Utf8Value();
  mode_t mode = static_cast<mode_t>(info[1].ToNumber().Uint32Value());
  unsigned int major = info[2].ToNumber().Uint32Value(), minor = info[3].ToNumber().Uint32Value();
  if (mknod(path.c_str(), mode, makedev(major, minor)) != 0) {
    ThrowSyscallError(env, "mknod", errno, {path, Octal(mode), std::to_string(major) + ":" + std::to_string(minor)});
  }
  return env.Undefined();
}

// lsetxattr(path: string, name: string, value: Buffer | string, flags: number)
Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usage(info, 3, "lsetxattr(path, name, value, flags?)")) return env.Undefined();
  std::string path = info[0].ToString().Utf8Value(), name = info[1].ToString().Utf8Value();
  std::string value;
  if (info[2].IsBuffer()) {
    auto buf = info[2].As<Napi::Buffer<char>>();
    value.assign(buf.Data(), buf.Length());
  } else {
    value = info[2].ToString().Utf8Value();
  }
  int flags = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
  if (lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), flags) != 0) {
    ThrowSyscallError(env, "lsetxattr", errno, {path, name, std::to_string(value.size()) + " bytes", std::to_string(flags)});
  }
  return env.Undefined();
}

// lgetxattr(path: string, name: string): Buffer | null (null when the attribute is absent)
Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usage(info, 2, "lgetxattr(path, name)")) return env.Undefined();
  std::string path = info[0].ToString().Utf8Value(), name = info[1].ToString().Utf8Value();
  for (int attempt = 0; attempt < 4; attempt++) {
    ssize_t size = lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0) break;
    std::vector<char> buf(static_cast<size_t>(size) + 1);
    ssize_t got = lgetxattr(path.c_str(), name.c_str(), buf.data(), buf.size());
    if (got >= 0) return Napi::Buffer<char>::Copy(env, buf.data(), static_cast<size_t>(got));
    if (errno != ERANGE) break;  // ERANGE: the value grew between the two calls
  }
  if (errno == ENODATA) return env.Null();
  ThrowSyscallError(env, "lgetxattr", errno, {path, name});
  return env.Undefined();
}

// syncfs(path: string): flushes the filesystem holding `path` (syncfs(2) on an fd of it).
Napi::Value Syncfs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usage(info, 1, "syncfs(path)")) return env.Undefined();
  std::string path = info[0].ToString().Utf8Value();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ThrowSyscallError(env, "open", errno, {path, "O_RDONLY"});
    return env.Undefined();
  }
  int rc = syncfs(fd);
  int err = errno;
  close(fd);
  if (rc != 0) ThrowSyscallError(env, "syncfs", err, {path});
  return env.Undefined();
}

// syncfsAsync(path: string): Promise<void> — syncfs on a libuv pool thread, so
// that a daemon's event loop goes on while the disk catches up.
class SyncfsWorker : public Napi::AsyncWorker {
 public:
  SyncfsWorker(Napi::Env env, std::string path)
      : Napi::AsyncWorker(env, "syncfs"), path_(std::move(path)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      err_ = errno;
      syscall_ = "open";
      return;
    }
    if (syncfs(fd) != 0) {
      err_ = errno;
      syscall_ = "syncfs";
    }
    close(fd);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (err_ == 0) {
      deferred_.Resolve(env.Undefined());
    } else {
      deferred_.Reject(MakeSyscallError(env, syscall_, err_, {path_}).Value());
    }
  }

 private:
  std::string path_;
  Napi::Promise::Deferred deferred_;
  int err_ = 0;
  const char* syscall_ = "";
};

Napi::Value SyncfsAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usage(info, 1, "syncfsAsync(path)")) return env.Undefined();
  auto* worker = new SyncfsWorker(env, info[0].ToString().Utf8Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterFsOps(Napi::Env env, Napi::Object exports) {
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("syncfs", Napi::Function::New(env, Syncfs, "syncfs"));
  exports.Set("syncfsAsync", Napi::Function::New(env, SyncfsAsync, "syncfsAsync"));
}
