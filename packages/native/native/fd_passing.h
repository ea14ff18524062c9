#pragma once
#include <napi.h>

// Unix-socket fd passing Node lacks (console sockets, runc's --console-socket):
//   socketPair(): [fd, fd], AF_UNIX SOCK_STREAM, both close-on-exec
//   connectUnix(path): a blocking, close-on-exec stream socket connected to path
//   sendFd(socket, fd, name): sendmsg with one SCM_RIGHTS fd and `name` as data
//   recvFd(socket, callback): waits on a dedicated thread (poll + recvmsg,
//     never the libuv pool) for one SCM_RIGHTS fd; calls back (err, {fd, name})
void RegisterFdPassing(Napi::Env env, Napi::Object exports);
