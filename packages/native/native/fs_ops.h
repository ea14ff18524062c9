#pragma once
#include <napi.h>

// Filesystem calls Node lacks, used to unpack image layers: mknod (overlay
// whiteouts are 0/0 character devices, layers may carry device nodes) and
// extended attributes on the link itself (trusted.overlay.opaque, file
// capabilities from PAX headers), and syncfs to make an unpacked layer
// durable before it is committed.
void RegisterFsOps(Napi::Env env, Napi::Object exports);
