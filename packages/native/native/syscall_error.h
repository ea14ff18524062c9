#pragma once
#include <napi.h>
#include <string>
#include <vector>

// Throws a JS Error carrying errno, code (EPERM...), syscall and args, the shape
// src/syscall-error.ts turns into a SyscallError.
void ThrowSyscallError(Napi::Env env, const char* syscall, int err, const std::vector<std::string>& args);
Napi::Error MakeSyscallError(Napi::Env env, const char* syscall, int err, const std::vector<std::string>& args);
