#pragma once
// A detached thread for blocking work (waitpid, posix_spawn). pthread_create,
// not std::thread: a thread that cannot be made (EAGAIN at a pids limit) must
// fail one call, where std::thread's exception would abort the whole process
// (the addon is built without C++ exceptions).
#include <pthread.h>

#include <functional>

/** Runs `work` on a new detached thread: 0, or pthread_create's error (then `work` never runs). */
inline int StartDetachedThread(std::function<void()> work) {
  auto* heap = new std::function<void()>(std::move(work));
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int err = pthread_create(
      &thread, &attr,
      [](void* arg) -> void* {
        auto* fn = static_cast<std::function<void()>*>(arg);
        (*fn)();
        delete fn;
        return nullptr;
      },
      heap);
  pthread_attr_destroy(&attr);
  if (err) delete heap;
  return err;
}
