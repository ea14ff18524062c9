// GetContainerEvents over ced's CRI socket, as the kubelet's evented PLEG
// reads it: CONTAINER_CREATED, STARTED, STOPPED and DELETED for a pod
// sandbox (its id as the container's), in order, each with the pod's status;
// and STOPPED when the pause is killed from outside, as containerd's CRI
// plugin reports its sandbox task's exit. Host-network pods: the events do
// not depend on the pod network.
import type { ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerEventType, NamespaceMode, PodSandboxConfig, PodSandboxState, type ContainerEventResponse, type PodSandboxStatusResponse } from '../packages/cri/src/gen/runtime/v1/api.js';
import { call, dialCri, type CriClient } from '../packages/cri/test/support/cri-client.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { until } from './support/until.js';

const tag = `${process.pid % 100000}`;
let daemon: TestDaemon | undefined;
let cri: CriClient;
const sandboxes: string[] = [];
const subscriptions: Array<ClientReadableStream<ContainerEventResponse>> = [];

const pod = (name: string) =>
  PodSandboxConfig.fromPartial({
    metadata: { name, namespace: 'e2e-events', uid: `uid-${name}-${tag}`, attempt: 0 },
    hostname: name,
    labels: { app: name },
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } },
  });

const runPod = async (name: string) => {
  const { podSandboxId } = await call<{ podSandboxId: string }>((cb) => cri.runtime.runPodSandbox({ config: pod(name), runtimeHandler: '' }, cb));
  sandboxes.push(podSandboxId);
  return podSandboxId;
};
const status = (id: string, verbose = false) => call<PodSandboxStatusResponse>((cb) => cri.runtime.podSandboxStatus({ podSandboxId: id, verbose }, cb));
const stop = (id: string) => call((cb) => cri.runtime.stopPodSandbox({ podSandboxId: id }, cb));
const remove = (id: string) => call((cb) => cri.runtime.removePodSandbox({ podSandboxId: id }, cb));

/** A GetContainerEvents subscription, once ced answered its headers (from then on nothing is missed). */
async function subscribe(): Promise<ContainerEventResponse[]> {
  const stream = cri.runtime.getContainerEvents({});
  subscriptions.push(stream);
  const received: ContainerEventResponse[] = [];
  stream.on('data', (e: ContainerEventResponse) => received.push(e));
  stream.on('error', () => undefined);
  await new Promise((resolve) => stream.once('metadata', resolve));
  return received;
}

const ofPod = (events: ContainerEventResponse[], id: string) =>
  events.filter((e) => e.containerId === id).map((e) => [ContainerEventType[e.containerEventType], e.podSandboxStatus && PodSandboxState[e.podSandboxStatus.state]]);

describe("GetContainerEvents over ced's CRI", () => {
  beforeAll(async () => {
    daemon = await startTestDaemon(['--iptables=false']);
    cri = dialCri(daemon.criSocket);
  });

  afterAll(async () => {
    for (const stream of subscriptions) stream.cancel();
    for (const id of sandboxes) await remove(id).catch(() => undefined);
    cri?.close();
    await daemon?.dispose();
  });

  it("sends CREATED, STARTED, STOPPED and DELETED for a pod sandbox, in order, with the pod's status, to every subscriber", async () => {
    const [events, other] = await Promise.all([subscribe(), subscribe()]);
    const id = await runPod('evented');
    await stop(id);
    await remove(id);
    await until('the DELETED event', () => ofPod(events, id).length >= 4 && ofPod(other, id).length >= 4);
    expect(ofPod(events, id)).toEqual([
      ['CONTAINER_CREATED_EVENT', 'SANDBOX_READY'],
      ['CONTAINER_STARTED_EVENT', 'SANDBOX_READY'],
      ['CONTAINER_STOPPED_EVENT', 'SANDBOX_NOTREADY'],
      ['CONTAINER_DELETED_EVENT', 'SANDBOX_NOTREADY'],
    ]);
    expect(ofPod(other, id)).toEqual(ofPod(events, id));
    const created = events.find((e) => e.containerId === id)!;
    expect(created.podSandboxStatus).toMatchObject({ id, metadata: { name: 'evented', namespace: 'e2e-events' }, labels: { app: 'evented' } });
    expect(created.containersStatuses).toEqual([]);
    // Nanoseconds since the epoch, in order.
    const times = events.filter((e) => e.containerId === id).map((e) => e.createdAt);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(Number(times[0]! / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('sends STOPPED when the pause is killed from outside, and no second one at the Stop that follows', async () => {
    const events = await subscribe();
    const id = await runPod('killed');
    const { pid } = JSON.parse((await status(id, true)).info['info']!) as { pid: number };
    expect(pid).toBeGreaterThan(0);
    await until('CREATED and STARTED', () => ofPod(events, id).length >= 2);
    process.kill(pid, 'SIGKILL');
    await until('the STOPPED event', () => ofPod(events, id).length >= 3);
    expect(ofPod(events, id)[2]).toEqual(['CONTAINER_STOPPED_EVENT', 'SANDBOX_NOTREADY']);
    expect((await status(id)).status!.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
    await stop(id);
    await remove(id);
    await until('the DELETED event', () => ofPod(events, id).length >= 4);
    expect(ofPod(events, id).map(([type]) => type)).toEqual(['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
  });
});
