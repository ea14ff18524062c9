#pragma once
#include <napi.h>

// spawnFds(path, argv, fds): posix_spawn (vfork-fast, unlike libuv's fork)
// of a helper whose fd i is fds[i], with an empty environment, default
// signal dispositions and an empty signal mask. Returns the pid; the caller
// reaps it with waitPid (libuv does not know this child).
void RegisterSpawn(Napi::Env env, Napi::Object exports);
