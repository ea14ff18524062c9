#pragma once
#include <napi.h>

// The size of a terminal, on either end of a pty (the caller holds the
// master of a container's terminal; resizing it is what `docker run -t`
// does on SIGWINCH):
//   setWindowSize(fd, rows, cols)   TIOCSWINSZ
//   getWindowSize(fd) -> {rows, cols}   TIOCGWINSZ
void RegisterTerminal(Napi::Env env, Napi::Object exports);
