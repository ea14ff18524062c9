// dockerd's commit merge (daemon/commit.go `merge`): the settings a commit was
// given (the Docker API's Config body, with its changes applied) win; what
// they leave unset comes from the container's own.
import type { OciContainerConfig } from '@ce/image-store/new-image';

const envKey = (entry: string) => entry.split('=')[0];

export function mergeCommitConfig(user: OciContainerConfig, container: OciContainerConfig): OciContainerConfig {
  const merged: OciContainerConfig = { ...user };
  if (!merged.User) merged.User = container.User;
  if (!merged.ExposedPorts || !Object.keys(merged.ExposedPorts).length) merged.ExposedPorts = container.ExposedPorts;
  else merged.ExposedPorts = { ...container.ExposedPorts, ...merged.ExposedPorts };
  if (!merged.Env?.length) merged.Env = container.Env;
  else merged.Env = [...merged.Env, ...(container.Env ?? []).filter((e) => !merged.Env!.some((u) => envKey(u) === envKey(e)))];
  merged.Labels = { ...container.Labels, ...merged.Labels };
  if (!merged.Entrypoint?.length) {
    if (!merged.Cmd?.length) merged.Cmd = container.Cmd;
    if (merged.Entrypoint === null || merged.Entrypoint === undefined) merged.Entrypoint = container.Entrypoint;
  }
  if (container.Healthcheck) {
    if (!merged.Healthcheck) merged.Healthcheck = container.Healthcheck;
    else {
      const h = { ...merged.Healthcheck };
      if (!h.Test?.length) h.Test = container.Healthcheck.Test;
      if (!h.Interval) h.Interval = container.Healthcheck.Interval;
      if (!h.Timeout) h.Timeout = container.Healthcheck.Timeout;
      if (!h.StartPeriod) h.StartPeriod = container.Healthcheck.StartPeriod;
      if (!h.Retries) h.Retries = container.Healthcheck.Retries;
      merged.Healthcheck = h;
    }
  }
  if (!merged.WorkingDir) merged.WorkingDir = container.WorkingDir;
  if (!merged.Volumes || !Object.keys(merged.Volumes).length) merged.Volumes = container.Volumes;
  else merged.Volumes = { ...merged.Volumes, ...container.Volumes };
  if (!merged.StopSignal) merged.StopSignal = container.StopSignal;
  for (const key of Object.keys(merged) as (keyof OciContainerConfig)[]) if (merged[key] === undefined) delete merged[key];
  return merged;
}
