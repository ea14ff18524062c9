#include "terminal.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <string>

#include "syscall_error.h"

namespace {

Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "setWindowSize(fd: number, rows: number, cols: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  int64_t rows = info[1].As<Napi::Number>().Int64Value(), cols = info[2].As<Napi::Number>().Int64Value();
  if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff) {
    Napi::RangeError::New(env, "setWindowSize: rows and cols must be between 0 and 65535").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (ioctl(fd, TIOCSWINSZ, &ws) != 0) {
    ThrowSyscallError(env, "ioctl", errno, {std::to_string(fd), "TIOCSWINSZ", std::to_string(rows), std::to_string(cols)});
  }
  return env.Undefined();
}

Napi::Value GetWindowSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "getWindowSize(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct winsize ws = {};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) {
    ThrowSyscallError(env, "ioctl", errno, {std::to_string(fd), "TIOCGWINSZ"});
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("rows", Napi::Number::New(env, ws.ws_row));
  out.Set("cols", Napi::Number::New(env, ws.ws_col));
  return out;
}

}  // namespace

void RegisterTerminal(Napi::Env env, Napi::Object exports) {
  exports.Set("setWindowSize", Napi::Function::New(env, SetWindowSize, "setWindowSize"));
  exports.Set("getWindowSize", Napi::Function::New(env, GetWindowSize, "getWindowSize"));
}
