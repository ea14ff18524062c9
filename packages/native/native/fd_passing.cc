#include "fd_passing.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "syscall_error.h"

namespace {

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    ThrowSyscallError(env, "socketpair", errno, {"AF_UNIX", "SOCK_STREAM|SOCK_CLOEXEC"});
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(uint32_t(0), Napi::Number::New(env, fds[0]));
  out.Set(uint32_t(1), Napi::Number::New(env, fds[1]));
  return out;
}

// Fills addr for path; throws ENAMETOOLONG naming op and path when it does not fit.
static bool UnixAddress(Napi::Env env, const std::string& path, const char* op, struct sockaddr_un* addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr->sun_path) {
    ThrowSyscallError(env, op, ENAMETOOLONG, {path});
    return false;
  }
  memcpy(addr->sun_path, path.c_str(), path.size());
  return true;
}

Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "connectUnix(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct sockaddr_un addr;
  if (!UnixAddress(env, path, "connect", &addr)) return env.Undefined();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ThrowSyscallError(env, "socket", errno, {"AF_UNIX"});
    return env.Undefined();
  }
  int r;
  do r = connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
  while (r != 0 && errno == EINTR);
  if (r != 0) {
    int err = errno;
    close(fd);
    ThrowSyscallError(env, "connect", err, {path});
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value SendFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "sendFd(socket: number, fd: number, name?: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = info[0].As<Napi::Number>().Int32Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  // SOCK_STREAM needs at least one byte of data to carry the control message.
  std::string name = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : std::string("fd");
  if (name.empty()) name = "fd";
  struct iovec iov = {const_cast<char*>(name.data()), name.size()};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0) ThrowSyscallError(env, "sendmsg", errno, {std::to_string(sock), std::to_string(fd)});
  return env.Undefined();
}

struct RecvResult {
  int err = 0;
  int fd = -1;
  bool closed = false;
  std::string name;
};

void CallJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, RecvResult* result) {
  if (env != nullptr && callback != nullptr) {
    if (result->err != 0) {
      callback.Call({MakeSyscallError(env, "recvmsg", result->err, {}).Value()});
    } else if (result->fd < 0) {
      Napi::Error e = Napi::Error::New(env, result->closed ? "the socket was closed before an fd arrived" : "a message without an fd arrived");
      e.Set("code", Napi::String::New(env, result->closed ? "ECONNRESET" : "EBADMSG"));
      callback.Call({e.Value()});
    } else {
      Napi::Object out = Napi::Object::New(env);
      out.Set("fd", Napi::Number::New(env, result->fd));
      out.Set("name", Napi::String::New(env, result->name));
      callback.Call({env.Null(), out});
    }
  } else if (result->fd >= 0) {
    close(result->fd);
  }
  delete result;
}

using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, RecvResult, CallJs>;

// One recvmsg; the socket may be non-blocking (libuv's), so wait with poll first.
void ReceiveOne(int sock, RecvResult* result) {
  for (;;) {
    struct pollfd p = {sock, POLLIN, 0};
    int n = poll(&p, 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result->err = errno;
      return;
    }
    char data[256];
    struct iovec iov = {data, sizeof data - 1};
    union {
      char buf[CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r < 0) {
      result->err = errno;
      return;
    }
    if (r == 0) {
      result->closed = true;
      return;
    }
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        memcpy(&result->fd, CMSG_DATA(c), sizeof(int));
        break;
      }
    }
    result->name.assign(data, static_cast<size_t>(r));
    return;
  }
}

Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "recvFd(socket: number, callback: function)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // The thread waits on its own copy of the socket: the caller may close its
  // fd meanwhile, and the number may then name an unrelated file. Closing the
  // caller's fd does not wake the wait; shutdownSocket() or the peer's close does.
  int sock = fcntl(info[0].As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 0);
  if (sock < 0) {
    ThrowSyscallError(env, "fcntl", errno, {std::to_string(info[0].As<Napi::Number>().Int32Value()), "F_DUPFD_CLOEXEC"});
    return env.Undefined();
  }
  Tsfn tsfn = Tsfn::New(env, info[1].As<Napi::Function>(), "ce-recvfd", 0, 1);
  std::thread([sock, tsfn]() mutable {
    auto* result = new RecvResult();
    ReceiveOne(sock, result);
    close(sock);
    tsfn.BlockingCall(result);
    tsfn.Release();
  }).detach();
  return env.Undefined();
}

// listenUnix(path): a close-on-exec stream socket bound to path and listening.
Napi::Value ListenUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "listenUnix(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct sockaddr_un addr;
  if (!UnixAddress(env, path, "bind", &addr)) return env.Undefined();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ThrowSyscallError(env, "socket", errno, {"AF_UNIX"});
    return env.Undefined();
  }
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    close(fd);
    ThrowSyscallError(env, "bind", err, {path});
    return env.Undefined();
  }
  if (listen(fd, 16) != 0) {
    int err = errno;
    close(fd);
    ThrowSyscallError(env, "listen", err, {path});
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

struct AcceptResult {
  int err = 0;
  int fd = -1;
};

void CallAcceptJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, AcceptResult* result) {
  if (env != nullptr && callback != nullptr) {
    if (result->err == EINVAL) {
      // accept(2) on a socket that shutdownSocket() stopped
      Napi::Error e = Napi::Error::New(env, "the socket stopped listening before a connection arrived");
      e.Set("code", Napi::String::New(env, "ECONNABORTED"));
      callback.Call({e.Value()});
    } else if (result->err != 0) {
      callback.Call({MakeSyscallError(env, "accept4", result->err, {}).Value()});
    } else {
      callback.Call({env.Null(), Napi::Number::New(env, result->fd)});
    }
  } else if (result->fd >= 0) {
    close(result->fd);
  }
  delete result;
}

using AcceptTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, AcceptResult, CallAcceptJs>;

// acceptUnix(socket, callback): one connection (a blocking, close-on-exec fd),
// waited for on a thread that owns a copy of the listening socket.
Napi::Value AcceptUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "acceptUnix(socket: number, callback: function)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int given = info[0].As<Napi::Number>().Int32Value();
  int sock = fcntl(given, F_DUPFD_CLOEXEC, 0);
  if (sock < 0) {
    ThrowSyscallError(env, "fcntl", errno, {std::to_string(given), "F_DUPFD_CLOEXEC"});
    return env.Undefined();
  }
  AcceptTsfn tsfn = AcceptTsfn::New(env, info[1].As<Napi::Function>(), "ce-accept", 0, 1);
  std::thread([sock, tsfn]() mutable {
    auto* result = new AcceptResult();
    for (;;) {
      struct pollfd p = {sock, POLLIN, 0};
      if (poll(&p, 1, -1) < 0) {
        if (errno == EINTR) continue;
        result->err = errno;
        break;
      }
      int fd = accept4(sock, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0 && (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)) continue;
      if (fd < 0) {
        result->err = errno;
        break;
      }
      // blocking, like connectUnix's
      int flags = fcntl(fd, F_GETFL);
      if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
      result->fd = fd;
      break;
    }
    close(sock);
    tsfn.BlockingCall(result);
    tsfn.Release();
  }).detach();
  return env.Undefined();
}

// shutdownSocket(fd): shutdown(SHUT_RDWR); wakes every wait on the socket,
// also those on copies (recvFd, acceptUnix). Not connected is not an error.
Napi::Value ShutdownSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "shutdownSocket(socket: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (shutdown(fd, SHUT_RDWR) != 0 && errno != ENOTCONN) ThrowSyscallError(env, "shutdown", errno, {std::to_string(fd)});
  return env.Undefined();
}

}  // namespace

void RegisterFdPassing(Napi::Env env, Napi::Object exports) {
  exports.Set("socketPair", Napi::Function::New(env, SocketPair, "socketPair"));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix, "connectUnix"));
  exports.Set("sendFd", Napi::Function::New(env, SendFd, "sendFd"));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd, "recvFd"));
  exports.Set("listenUnix", Napi::Function::New(env, ListenUnix, "listenUnix"));
  exports.Set("acceptUnix", Napi::Function::New(env, AcceptUnix, "acceptUnix"));
  exports.Set("shutdownSocket", Napi::Function::New(env, ShutdownSocket, "shutdownSocket"));
}
