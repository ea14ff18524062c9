#pragma once
#include <napi.h>

// Device access control on cgroup v2: an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE attached to a cgroup directory.
//   attachCgroupDeviceFilter(cgroupDir, insns: Buffer, license) -> new program id
//     loads the program (the verifier's log in the error on failure), attaches
//     it with BPF_F_ALLOW_MULTI, then detaches the programs attached directly
//     to that cgroup before (runc's order: never a moment without a filter)
//   cgroupDeviceFilters(cgroupDir) -> ids of the programs attached directly to it
void RegisterBpfDevice(Napi::Env env, Napi::Object exports);
