#include "wait.h"

#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "detached_thread.h"

#include "syscall_error.h"

namespace {

struct WaitResult {
  int err = 0;
  int status = 0;
};

void CallJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, WaitResult* result) {
  if (env != nullptr && callback != nullptr) {
    if (result->err != 0) {
      callback.Call({MakeSyscallError(env, "waitpid", result->err, {}).Value()});
    } else {
      Napi::Object out = Napi::Object::New(env);
      if (WIFEXITED(result->status)) {
        out.Set("exitCode", Napi::Number::New(env, WEXITSTATUS(result->status)));
        out.Set("signal", env.Null());
      } else {
        out.Set("exitCode", env.Null());
        out.Set("signal", Napi::Number::New(env, WTERMSIG(result->status)));
      }
      callback.Call({env.Null(), out});
    }
  }
  delete result;
}

using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, WaitResult, CallJs>;

}  // namespace

Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "waitPid(pid: number, callback: function)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  Tsfn tsfn = Tsfn::New(env, info[1].As<Napi::Function>(), "ce-waitpid", 0, 1);
  int err = StartDetachedThread([pid, tsfn]() mutable {
    auto* result = new WaitResult();
    for (;;) {
      pid_t r = waitpid(pid, &result->status, __WALL);
      if (r == pid) break;
      if (r < 0 && errno == EINTR) continue;
      result->err = r < 0 ? errno : ECHILD;
      break;
    }
    if (tsfn.BlockingCall(result) != napi_ok) delete result;
    tsfn.Release();
  });
  if (err) {
    tsfn.Release();
    ThrowSyscallError(env, "pthread_create", err, {});
  }
  return env.Undefined();
}
