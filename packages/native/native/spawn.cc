#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "detached_thread.h"
#include "syscall_error.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

namespace {

// CVE-2019-5736: a container process can reach the helper's binary through
// /proc/<pid>/exe while the helper runs in its namespaces, and write to it
// once it no longer executes. So the helper is executed from a sealed memfd
// copy (as runc does): writes through /proc/<pid>/exe reach the copy, and
// the seals refuse them. One copy per file per process, made again when the
// file on disk changes.
struct SealedExe {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  int fd;
};
std::mutex sealedMutex;
std::map<std::string, SealedExe> sealedExes;

bool SameFile(const SealedExe& s, const struct stat& st) {
  return s.dev == st.st_dev && s.ino == st.st_ino && s.size == st.st_size && s.mtime.tv_sec == st.st_mtim.tv_sec &&
         s.mtime.tv_nsec == st.st_mtim.tv_nsec;
}

/** A sealed memfd holding a copy of `path`, or -1 with errno and *step set. Call with sealedMutex held. */
int SealedCopyLocked(const std::string& path, const char** step) {
  int src = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) return *step = "open", -1;
  struct stat st;
  if (fstat(src, &st) != 0) {
    int e = errno;
    close(src);
    return errno = e, *step = "fstat", -1;
  }
  auto it = sealedExes.find(path);
  if (it != sealedExes.end() && SameFile(it->second, st)) {
    close(src);
    return it->second.fd;
  }
  // Kernels with vm.memfd_noexec (6.3+) want MFD_EXEC said aloud; older ones refuse the flag.
  int mem = memfd_create("ce-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mem < 0 && errno == EINVAL) mem = memfd_create("ce-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0) {
    int e = errno;
    close(src);
    return errno = e, *step = "memfd_create", -1;
  }
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mem, src, &off, static_cast<size_t>(st.st_size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      close(src);
      close(mem);
      return errno = e, *step = "copy to memfd", -1;
    }
  }
  close(src);
  if (fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
    int e = errno;
    close(mem);
    return errno = e, *step = "seal memfd", -1;
  }
  if (it != sealedExes.end()) close(it->second.fd);
  sealedExes[path] = SealedExe{st.st_dev, st.st_ino, st.st_size, st.st_mtim, mem};
  return mem;
}

/** A close-on-exec duplicate, numbered minFd or above, of the sealed copy of `path`; -1 with errno and *step set. */
int SealedCopy(const std::string& path, int minFd, const char** step) {
  std::lock_guard<std::mutex> lock(sealedMutex);  // another thread must not replace the copy before it is duplicated
  int mem = SealedCopyLocked(path, step);
  if (mem < 0) return -1;
  int fd = fcntl(mem, F_DUPFD_CLOEXEC, minFd);
  if (fd < 0) *step = "fcntl F_DUPFD_CLOEXEC";
  return fd;
}

// What one spawn needs, read from the JS arguments on the JS thread: the
// strings copied, the fds duplicated (so that the caller may close its own at
// once, and a spawn on another thread still finds them).
struct SpawnRequest {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  // Duplicates of the sources, numbered above every target, so that no dup2
  // onto fd i clobbers a source still to be moved, and so that a source equal
  // to its target still loses FD_CLOEXEC through a real dup2.
  std::vector<int> temps;
  bool sealedCopy = false;
  bool newSession = false;

  ~SpawnRequest() {
    for (int t : temps) close(t);
  }
};

struct SpawnResult {
  int err = 0;
  const char* step = "posix_spawn";
  pid_t pid = -1;
};

/** The request from spawnFds' arguments; nullptr with a JS exception pending when they are wrong. */
std::unique_ptr<SpawnRequest> ReadRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsArray()) {
    Napi::TypeError::New(env, "spawnFds(path: string, argv: string[], fds: number[], sealedCopy?: boolean, env?: string[], newSession?: boolean)").ThrowAsJavaScriptException();
    return nullptr;
  }
  auto req = std::make_unique<SpawnRequest>();
  req->path = info[0].As<Napi::String>().Utf8Value();
  req->sealedCopy = info.Length() > 3 && info[3].ToBoolean().Value();
  if (info.Length() > 4 && info[4].IsArray()) {
    Napi::Array jsEnv = info[4].As<Napi::Array>();
    for (uint32_t i = 0; i < jsEnv.Length(); i++) req->env.push_back(jsEnv.Get(i).ToString().Utf8Value());
  }
  req->newSession = info.Length() > 5 && info[5].ToBoolean().Value();
  Napi::Array jsArgv = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < jsArgv.Length(); i++) req->args.push_back(jsArgv.Get(i).ToString().Utf8Value());
  Napi::Array jsFds = info[2].As<Napi::Array>();
  const int count = static_cast<int>(jsFds.Length());
  for (int i = 0; i < count; i++) {
    int src = jsFds.Get(static_cast<uint32_t>(i)).As<Napi::Number>().Int32Value();
    int t = fcntl(src, F_DUPFD_CLOEXEC, count + 3);
    if (t < 0) {
      ThrowSyscallError(env, "fcntl F_DUPFD_CLOEXEC", errno, {req->path});
      return nullptr;
    }
    req->temps.push_back(t);
  }
  return req;
}

/** posix_spawn of the request: fd i of the child is temps[i]; any thread. */
SpawnResult RunSpawn(SpawnRequest& req) {
  SpawnResult res;
  std::vector<char*> argv;
  for (auto& a : req.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : req.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  const int count = static_cast<int>(req.temps.size());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int i = 0; i < count && !res.err; i++) res.err = posix_spawn_file_actions_adddup2(&fa, req.temps[i], i);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (req.newSession ? POSIX_SPAWN_SETSID : 0));

  // The sealed copy is exec'd by its /proc/self/fd path, from an fd above
  // every target so that no dup2 of the file actions replaces it.
  std::string exePath = req.path;
  if (!res.err && req.sealedCopy) {
    const char* step = "memfd";
    int high = SealedCopy(req.path, count + 3, &step);
    if (high < 0) {
      res.err = errno;
      res.step = step;
    } else {
      req.temps.push_back(high);
      exePath = "/proc/self/fd/" + std::to_string(high);
    }
  }
  if (!res.err) res.err = posix_spawn(&res.pid, exePath.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return res;
}

Napi::Value SpawnFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto req = ReadRequest(info);
  if (!req) return env.Undefined();
  SpawnResult res = RunSpawn(*req);
  if (res.err) {
    ThrowSyscallError(env, res.step, res.err, {req->path});
    return env.Undefined();
  }
  return Napi::Number::New(env, res.pid);
}

struct AsyncSpawn {
  std::unique_ptr<SpawnRequest> req;
  SpawnResult res;
};

void CallSpawnJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, AsyncSpawn* done) {
  if (env != nullptr && callback != nullptr) {
    if (done->res.err) callback.Call({MakeSyscallError(env, done->res.step, done->res.err, {done->req->path}).Value()});
    else callback.Call({env.Null(), Napi::Number::New(env, done->res.pid)});
  }
  delete done;
}

using SpawnTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, AsyncSpawn, CallSpawnJs>;

// spawnFdsAsync(path, argv, fds, sealedCopy, env, newSession, callback): the
// same spawn on a thread of its own, so that the JS thread does not wait while
// the vforked child execs (posix_spawn holds its caller until then).
Napi::Value SpawnFdsAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[6].IsFunction()) {
    Napi::TypeError::New(env, "spawnFdsAsync(path, argv, fds, sealedCopy, env, newSession, callback)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto req = ReadRequest(info);
  if (!req) return env.Undefined();
  auto* job = new AsyncSpawn{std::move(req), {}};
  SpawnTsfn tsfn = SpawnTsfn::New(env, info[6].As<Napi::Function>(), "ce-spawn", 0, 1);
  int err = StartDetachedThread([job, tsfn]() mutable {
    job->res = RunSpawn(*job->req);
    // The child holds its copies now: ours close before JS hears of it.
    for (int t : job->req->temps) close(t);
    job->req->temps.clear();
    // Refused only when the environment is going away: nobody is left to tell.
    if (tsfn.BlockingCall(job) != napi_ok) delete job;
    tsfn.Release();
  });
  if (err) {
    tsfn.Release();
    std::string path = job->req->path;
    delete job;  // the request's destructor closes the fd copies
    ThrowSyscallError(env, "pthread_create", err, {path});
  }
  return env.Undefined();
}

}  // namespace

void RegisterSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnFds", Napi::Function::New(env, SpawnFds, "spawnFds"));
  exports.Set("spawnFdsAsync", Napi::Function::New(env, SpawnFdsAsync, "spawnFdsAsync"));
}
