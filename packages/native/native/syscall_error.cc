#include "syscall_error.h"

#include <errno.h>
#include <string.h>

static const char* ErrnoName(int err) {
  switch (err) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF) E(ECHILD)
    E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(ENOTBLK) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV)
    E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(EFBIG) E(ENOSPC)
    E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(ERANGE) E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY)
    E(ELOOP) E(ENODATA) E(EOPNOTSUPP) E(EDQUOT) E(ESTALE) E(EADDRINUSE) E(ECONNREFUSED) E(ENOTSOCK) E(ENOTCONN)
    E(ETIMEDOUT) E(ENOBUFS) E(EADDRNOTAVAIL) E(ENETUNREACH) E(EHOSTUNREACH) E(EPROTONOSUPPORT) E(EAFNOSUPPORT) E(EMSGSIZE)
#undef E
    default: return "EUNKNOWN";
  }
}

Napi::Error MakeSyscallError(Napi::Env env, const char* syscall, int err, const std::vector<std::string>& args) {
  std::string message = std::string(syscall) + "(";
  for (size_t i = 0; i < args.size(); i++) {
    if (i) message += ", ";
    message += args[i];
  }
  message += std::string("): ") + strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  Napi::Object obj = error.Value();
  obj.Set("errno", Napi::Number::New(env, err));
  obj.Set("code", Napi::String::New(env, ErrnoName(err)));
  obj.Set("syscall", Napi::String::New(env, syscall));
  Napi::Array jsArgs = Napi::Array::New(env, args.size());
  for (size_t i = 0; i < args.size(); i++) jsArgs.Set(i, Napi::String::New(env, args[i]));
  obj.Set("args", jsArgs);
  return error;
}

void ThrowSyscallError(Napi::Env env, const char* syscall, int err, const std::vector<std::string>& args) {
  MakeSyscallError(env, syscall, err, args).ThrowAsJavaScriptException();
}
