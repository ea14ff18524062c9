#pragma once
#include <napi.h>

// spawnFds(path, argv, fds, sealedCopy, env, newSession): posix_spawn
// (vfork-fast, unlike libuv's fork) of a helper whose fd i is fds[i], with
// the environment `env` (empty when not given), default signal dispositions
// and an empty signal mask, in a session of its own when newSession. Returns
// the pid; the caller reaps it with waitPid (libuv does not know this child).
// spawnFdsAsync(..., callback(err, pid)) spawns on a thread of its own.
void RegisterSpawn(Napi::Env env, Napi::Object exports);
