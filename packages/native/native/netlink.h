#pragma once
#include <napi.h>

// The kernel side of @ce/network, kept small: rtnetlink sockets (opened in
// ced's network namespace or inside a pinned one), raw send/recv of
// messages whose encoding stays in TypeScript, network namespaces pinned at a
// path, and writes to /proc/sys/net inside a namespace. Whatever must run in
// another network namespace runs on a short-lived thread that does setns (or
// unshare) and ends: Node's own threads never change namespace.
void RegisterNetlink(Napi::Env env, Napi::Object exports);
