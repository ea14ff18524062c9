#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "syscall_error.h"

namespace {

Napi::Value SpawnFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsArray()) {
    Napi::TypeError::New(env, "spawnFds(path: string, argv: string[], fds: number[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array jsArgv = info[1].As<Napi::Array>();
  Napi::Array jsFds = info[2].As<Napi::Array>();

  std::vector<std::string> args;
  for (uint32_t i = 0; i < jsArgv.Length(); i++) args.push_back(jsArgv.Get(i).ToString().Utf8Value());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char* envp[] = {nullptr};

  // Duplicate the sources above every target first, so that no dup2 onto
  // fd i clobbers a source still to be moved, and so that a source equal to
  // its target still loses FD_CLOEXEC through a real dup2.
  std::vector<int> temps;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const int count = static_cast<int>(jsFds.Length());
  int err = 0;
  for (int i = 0; i < count && !err; i++) {
    int src = jsFds.Get(static_cast<uint32_t>(i)).As<Napi::Number>().Int32Value();
    int t = fcntl(src, F_DUPFD_CLOEXEC, count + 3);
    if (t < 0) {
      err = errno;
      break;
    }
    temps.push_back(t);
    err = posix_spawn_file_actions_adddup2(&fa, t, i);
  }

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  if (!err) err = posix_spawn(&pid, path.c_str(), &fa, &attr, argv.data(), envp);
  for (int t : temps) close(t);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (err) {
    ThrowSyscallError(env, "posix_spawn", err, {path});
    return env.Undefined();
  }
  return Napi::Number::New(env, pid);
}

}  // namespace

void RegisterSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnFds", Napi::Function::New(env, SpawnFds, "spawnFds"));
}
