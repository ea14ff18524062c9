#pragma once
#include <napi.h>

// waitPid(pid, callback): reaps `pid` on a dedicated thread (never the libuv
// pool) and calls back on the JS thread with { exitCode, signal }.
Napi::Value WaitPid(const Napi::CallbackInfo& info);
