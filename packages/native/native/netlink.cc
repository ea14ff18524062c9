#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "syscall_error.h"

namespace {

// The failure of work done on a helper thread: the syscall and its errno.
struct Failure {
  const char* syscall = nullptr;
  int err = 0;
  std::string arg;
  bool failed() const { return syscall != nullptr; }
  void set(const char* call, int e, const std::string& a) {
    syscall = call;
    err = e;
    arg = a;
  }
};

// Moves the calling (helper) thread into the network namespace pinned at path.
bool EnterNetns(const std::string& path, Failure* failure) {
  int nsfd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) {
    failure->set("open", errno, path);
    return false;
  }
  int r = setns(nsfd, CLONE_NEWNET);
  int err = errno;
  close(nsfd);
  if (r != 0) {
    failure->set("setns", err, path);
    return false;
  }
  return true;
}

// Runs work on a fresh thread and waits for it. The thread may change its own
// network namespace; it ends with the work, so the change dies with it.
template <typename Work>
void OnHelperThread(Work work) {
  std::thread(work).join();
}

int OpenRouteSocket(Failure* failure) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    failure->set("socket", errno, "AF_NETLINK, NETLINK_ROUTE");
    return -1;
  }
  int on = 1;
  // Extended acks carry the kernel's error text ("Unknown device type");
  // CAP_ACK leaves the request out of error replies. Both are best effort
  // (kernels before 4.12 lack EXT_ACK).
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_nl local;
  memset(&local, 0, sizeof local);
  local.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&local), sizeof local) != 0) {
    failure->set("bind", errno, "AF_NETLINK");
    close(fd);
    return -1;
  }
  return fd;
}

// netlinkOpen(netnsPath: string | null): number
Napi::Value NetlinkOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !(info[0].IsString() || info[0].IsNull() || info[0].IsUndefined())) {
    Napi::TypeError::New(env, "netlinkOpen(netnsPath: string | null)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Failure failure;
  int fd = -1;
  if (info[0].IsString()) {
    std::string path = info[0].As<Napi::String>().Utf8Value();
    // A socket stays bound to the namespace it was created in.
    OnHelperThread([&]() {
      if (EnterNetns(path, &failure)) fd = OpenRouteSocket(&failure);
    });
  } else {
    fd = OpenRouteSocket(&failure);
  }
  if (failure.failed()) {
    ThrowSyscallError(env, failure.syscall, failure.err, {failure.arg});
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// netlinkSend(fd: number, message: Uint8Array): void — one datagram to the kernel.
Napi::Value NetlinkSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "netlinkSend(fd: number, message: Uint8Array)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Uint8Array message = info[1].As<Napi::Uint8Array>();
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  ssize_t r;
  do r = sendto(fd, message.Data(), message.ByteLength(), 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof kernel);
  while (r < 0 && errno == EINTR);
  if (r < 0) ThrowSyscallError(env, "sendto", errno, {std::to_string(fd), "AF_NETLINK"});
  return env.Undefined();
}

long long NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// netlinkRecv(fd: number, timeoutMs: number): Buffer — one datagram (which may
// hold several messages); ETIMEDOUT when none arrives in time. rtnetlink
// answers within the request's sendto, so the wait is only a safety net.
Napi::Value NetlinkRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "netlinkRecv(fd: number, timeoutMs: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  long long timeout = info[1].As<Napi::Number>().Int64Value();
  long long deadline = NowMs() + timeout;
  for (;;) {
    long long left = deadline - NowMs();
    if (left < 0) left = 0;
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ThrowSyscallError(env, "poll", errno, {std::to_string(fd)});
      return env.Undefined();
    }
    if (n == 0) {
      ThrowSyscallError(env, "recvmsg", ETIMEDOUT, {std::to_string(fd), std::to_string(timeout) + "ms"});
      return env.Undefined();
    }
    // Peek with MSG_TRUNC for the datagram's real size, then take it whole.
    ssize_t size = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (size < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (size < 0) {
      ThrowSyscallError(env, "recvmsg", errno, {std::to_string(fd)});
      return env.Undefined();
    }
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, size > 0 ? static_cast<size_t>(size) : 1);
    ssize_t r = recv(fd, out.Data(), out.Length(), MSG_DONTWAIT);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r < 0) {
      ThrowSyscallError(env, "recvmsg", errno, {std::to_string(fd)});
      return env.Undefined();
    }
    if (static_cast<size_t>(r) == out.Length()) return out;
    return Napi::Buffer<uint8_t>::Copy(env, out.Data(), static_cast<size_t>(r));
  }
}

// netlinkClose(fd: number): void
Napi::Value NetlinkClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "netlinkClose(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (close(fd) != 0 && errno != EINTR) ThrowSyscallError(env, "close", errno, {std::to_string(fd)});
  return env.Undefined();
}

// As `ip netns add`: the helper thread gets a new network namespace and
// bind-mounts its own /proc/thread-self/ns/net onto a new file at path.
void PinNewNetns(const std::string& path, Failure* failure) {
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    failure->set("open", errno, path);
    return;
  }
  close(fd);
  if (unshare(CLONE_NEWNET) != 0) {
    failure->set("unshare", errno, "CLONE_NEWNET");
    unlink(path.c_str());
    return;
  }
  std::string self = "/proc/self/task/" + std::to_string(static_cast<long>(syscall(SYS_gettid))) + "/ns/net";
  if (mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
    failure->set("mount", errno, self + " -> " + path);
    unlink(path.c_str());
  }
}

struct CreateResult {
  Failure failure;
};

void CallCreateJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, CreateResult* result) {
  if (env != nullptr && callback != nullptr) {
    if (result->failure.failed()) {
      callback.Call({MakeSyscallError(env, result->failure.syscall, result->failure.err, {result->failure.arg}).Value()});
    } else {
      callback.Call({env.Null()});
    }
  }
  delete result;
}

using CreateTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, CreateResult, CallCreateJs>;

// netnsCreate(path: string, callback: (err) => void): creating a namespace may
// take milliseconds (the kernel sets up its per-netns state), so the helper
// thread reports back instead of being joined.
Napi::Value NetnsCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "netnsCreate(path: string, callback: function)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  CreateTsfn tsfn = CreateTsfn::New(env, info[1].As<Napi::Function>(), "ce-netns-create", 0, 1);
  std::thread([path, tsfn]() mutable {
    auto* result = new CreateResult();
    PinNewNetns(path, &result->failure);
    tsfn.BlockingCall(result);
    tsfn.Release();
  }).detach();
  return env.Undefined();
}

// netnsRemove(path: string): void — unpins (lazily: a process may still use
// the namespace) and removes the file; an absent file is not an error.
Napi::Value NetnsRemove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "netnsRemove(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  // EINVAL: not a mount point (already unpinned); ENOENT: gone.
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    ThrowSyscallError(env, "umount2", errno, {path, "MNT_DETACH"});
    return env.Undefined();
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) ThrowSyscallError(env, "unlink", errno, {path});
  return env.Undefined();
}

// netnsWriteSysctl(netnsPath: string, file: string, value: string): void.
// Entries under /proc/sys/net belong to the network namespace of the task
// that opens them, so the helper thread enters the namespace, then opens.
Napi::Value NetnsWriteSysctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString()) {
    Napi::TypeError::New(env, "netnsWriteSysctl(netnsPath: string, file: string, value: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string netns = info[0].As<Napi::String>().Utf8Value();
  std::string file = info[1].As<Napi::String>().Utf8Value();
  std::string value = info[2].As<Napi::String>().Utf8Value();
  static const char kPrefix[] = "/proc/sys/net/";
  if (file.compare(0, sizeof kPrefix - 1, kPrefix) != 0 || file.find("/..") != std::string::npos) {
    Napi::TypeError::New(env, "netnsWriteSysctl: file must be below /proc/sys/net/").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Failure failure;
  OnHelperThread([&]() {
    if (!EnterNetns(netns, &failure)) return;
    int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      failure.set("open", errno, file);
      return;
    }
    ssize_t r;
    do r = write(fd, value.data(), value.size());
    while (r < 0 && errno == EINTR);
    if (r < 0) failure.set("write", errno, file);
    close(fd);
  });
  if (failure.failed()) ThrowSyscallError(env, failure.syscall, failure.err, {failure.arg});
  return env.Undefined();
}

}  // namespace

void RegisterNetlink(Napi::Env env, Napi::Object exports) {
  exports.Set("netlinkOpen", Napi::Function::New(env, NetlinkOpen, "netlinkOpen"));
  exports.Set("netlinkSend", Napi::Function::New(env, NetlinkSend, "netlinkSend"));
  exports.Set("netlinkRecv", Napi::Function::New(env, NetlinkRecv, "netlinkRecv"));
  exports.Set("netlinkClose", Napi::Function::New(env, NetlinkClose, "netlinkClose"));
  exports.Set("netnsCreate", Napi::Function::New(env, NetnsCreate, "netnsCreate"));
  exports.Set("netnsRemove", Napi::Function::New(env, NetnsRemove, "netnsRemove"));
  exports.Set("netnsWriteSysctl", Napi::Function::New(env, NetnsWriteSysctl, "netnsWriteSysctl"));
}
