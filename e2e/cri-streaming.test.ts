// ExecSync, Exec, Attach and PortForward through ced's CRI, on busybox
// containers of a pod made by CreateContainer/StartContainer, spoken to over
// the streaming server with the clients a kubelet's side uses: SPDY/3.1
// streams and WebSocket channels, and kubectl's (client-go) through a
// minimal API server.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerConfig, ContainerState, NamespaceMode, PodSandboxConfig, type ContainerStatusResponse, type ExecSyncResponse, type PodSandboxStatusResponse } from '../packages/cri/src/gen/runtime/v1/api.js';
import { call, dialCri, failure, type CriClient } from '../packages/cri/test/support/cri-client.js';
import { ChannelClient, SpdyClient } from '../packages/cri/test/support/stream-clients.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { startKubectlApiServer, type KubectlApiServer } from './support/kubectl-apiserver.js';
import { until } from './support/until.js';

const BUSYBOX = 'docker.io/library/busybox:latest';
const LOOPBACK = '/usr/lib/cni/loopback';
const tag = `${process.pid}`;
/** A real client-go client: kubectl, run directly (not gcloud's dispatcher, which asks the server its version). */
const KUBECTL = ['/usr/lib/google-cloud-sdk/bin/kubectl.1.32', '/usr/bin/kubectl'].find((p) => existsSync(p));

function kubectl(server: string, args: string[], env: Record<string, string>, input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL!, ['--server', server, '--kubeconfig', join(dir, 'kubeconfig'), '-n', 'e2e', ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

let dir: string;
let daemon: TestDaemon | undefined;
let cri: CriClient;
let podId = '';
let podConfig: PodSandboxConfig;
let netnsPath = '';

/** A container of the pod, as the kubelet makes one: CreateContainer (busybox, `sh -c script`), then StartContainer unless `start` is false. */
async function runContainer(name: string, script: string, extra: Partial<ContainerConfig> = {}, start = true): Promise<string> {
  const config = ContainerConfig.fromPartial({
    metadata: { name, attempt: 0 },
    image: { image: BUSYBOX },
    command: ['sh', '-c'],
    args: [script],
    envs: [{ key: 'GREETING', value: 'from-the-kubelet' }],
    ...extra,
  });
  const { containerId } = await call<{ containerId: string }>((cb) => cri.runtime.createContainer({ podSandboxId: podId, config, sandboxConfig: podConfig }, cb));
  if (start) await call((cb) => cri.runtime.startContainer({ containerId }, cb));
  return containerId;
}

const containerState = async (id: string) => (await call<ContainerStatusResponse>((cb) => cri.runtime.containerStatus({ containerId: id, verbose: false }, cb))).status!.state;

const execSync = (containerId: string, cmd: string[], timeout = 0n) => call<ExecSyncResponse>((cb) => cri.runtime.execSync({ containerId, cmd, timeout }, cb));
const execUrl = async (containerId: string, cmd: string[], opts: { stdin?: boolean; stdout?: boolean; stderr?: boolean; tty?: boolean }) =>
  (await call<{ url: string }>((cb) => cri.runtime.exec({ containerId, cmd, stdin: false, stdout: true, stderr: true, tty: false, ...opts }, cb))).url;

async function spdy(url: string, protocols: string[]): Promise<SpdyClient> {
  const client = await SpdyClient.open(url, protocols);
  if (!(client instanceof SpdyClient)) throw new Error(`SPDY upgrade refused: ${client.status} ${client.body}`);
  return client;
}

describe.skipIf(!existsSync(LOOPBACK))(`exec, attach and port-forward over ced's CRI${existsSync(LOOPBACK) ? '' : ` (needs ${LOOPBACK}: apt-get install containernetworking-plugins)`}`, () => {
  let shell: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-e2e-cri-streaming-'));
    mkdirSync(join(dir, 'net.d'));
    // A pod with only a loopback: enough for port-forward, which dials 127.0.0.1 inside the pod.
    writeFileSync(join(dir, 'net.d', '10-lo.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: `ce-e2e-lo-${tag}`, plugins: [{ type: 'loopback' }] }));
    daemon = await startTestDaemon(['--cni-config-dir', join(dir, 'net.d'), '--cni-bin-dir', '/usr/lib/cni']);
    cri = dialCri(daemon.criSocket);
    await importBusyboxImage(daemon.socket, BUSYBOX);
    podConfig = PodSandboxConfig.fromPartial({
      metadata: { name: `streams-${tag}`, namespace: 'e2e', uid: `uid-streams-${tag}`, attempt: 0 },
      linux: { securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } },
    });
    podId = (await call<{ podSandboxId: string }>((cb) => cri.runtime.runPodSandbox({ config: podConfig, runtimeHandler: '' }, cb))).podSandboxId;
    const { info } = await call<PodSandboxStatusResponse>((cb) => cri.runtime.podSandboxStatus({ podSandboxId: podId, verbose: true }, cb));
    netnsPath = (JSON.parse(info['info']!) as { netNamespacePath: string }).netNamespacePath;
    shell = await runContainer('shell', 'echo ready; exec cat', { stdin: true });
  });

  afterAll(async () => {
    try {
      // RemovePodSandbox removes the pod's containers first.
      if (podId) await call((cb) => cri.runtime.removePodSandbox({ podSandboxId: podId }, cb)).catch(() => undefined);
      cri?.close();
      await daemon?.dispose();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ExecSync: stdout and stderr apart, the exit code, the env the kubelet set; the container by its id or a prefix', async () => {
    const answer = await execSync(shell.slice(0, 12), ['sh', '-c', 'echo "out $GREETING"; echo err >&2; exit 3']);
    expect({ stdout: answer.stdout.toString(), stderr: answer.stderr.toString(), exitCode: answer.exitCode }).toEqual({ stdout: 'out from-the-kubelet\n', stderr: 'err\n', exitCode: 3 });
    expect((await execSync(shell, ['pwd'])).stdout.toString()).toBe('/\n');
  });

  it('ExecSync: the process is killed at the timeout, answered as containerd does', async () => {
    const started = Date.now();
    const err = await failure(execSync(shell, ['sleep', '37'], 1n));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toMatchObject({ code: grpcStatus.DEADLINE_EXCEEDED, details: 'failed to exec in container: timeout 1s exceeded: context deadline exceeded' });
    expect((await execSync(shell, ['ps', '-o', 'args'])).stdout.toString()).not.toContain('sleep 37');
  });

  it('ExecSync, Exec, Attach: a missing, a created and an exited container are refused in containerd\'s words', async () => {
    expect(await failure(execSync(`nope-${tag}`, ['ls']))).toMatchObject({ code: grpcStatus.NOT_FOUND, details: `failed to exec in container: failed to find container "nope-${tag}" in store: not found` });
    expect(await failure(execSync(podId, ['ls']))).toMatchObject({ code: grpcStatus.NOT_FOUND });
    const unstarted = await runContainer('unstarted', 'true', {}, false);
    expect(await failure(execSync(unstarted, ['ls']))).toMatchObject({ code: grpcStatus.UNKNOWN, details: 'failed to exec in container: container is in CONTAINER_CREATED state' });
    const done = await runContainer('done', 'true');
    await until('the container to exit', async () => (await containerState(done)) === ContainerState.CONTAINER_EXITED);
    expect(await failure(execSync(done, ['ls']))).toMatchObject({ code: grpcStatus.UNKNOWN, details: 'failed to exec in container: container is in CONTAINER_EXITED state' });
    expect(await failure(call((cb) => cri.runtime.exec({ containerId: done, cmd: ['ls'], stdin: false, stdout: true, stderr: false, tty: false }, cb)))).toMatchObject({
      details: 'container is in CONTAINER_EXITED state',
    });
    expect(await failure(call((cb) => cri.runtime.attach({ containerId: done, stdin: false, tty: false, stdout: true, stderr: false }, cb)))).toMatchObject({
      details: 'container is in CONTAINER_EXITED state',
    });
  });

  it('Exec over WebSocket (v5.channel.k8s.io): stdin in, stdout and stderr apart, the exit code in the status', async () => {
    const ws = new ChannelClient(await execUrl(shell, ['sh', '-c', 'read line; echo "got:$line"; echo oops >&2; exit 2'], { stdin: true }), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    await ws.opened;
    expect(ws.ws.protocol).toBe('v5.channel.k8s.io');
    ws.send(0, 'hi\n');
    await ws.closed;
    expect([ws.text(1), ws.text(2)]).toEqual(['got:hi\n', 'oops\n']);
    expect(JSON.parse(ws.text(3))).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } });
  });

  it('Exec over SPDY (v4.channel.k8s.io): stdin to EOF, stdout and stderr apart, Success', async () => {
    const client = await spdy(await execUrl(shell, ['sh', '-c', 'cat; echo done >&2'], { stdin: true }), ['v4.channel.k8s.io', 'v3.channel.k8s.io']);
    expect(client.protocol).toBe('v4.channel.k8s.io');
    const error = await client.stream({ streamType: 'error' });
    const stdin = await client.stream({ streamType: 'stdin' });
    const stdout = await client.stream({ streamType: 'stdout' });
    const stderr = await client.stream({ streamType: 'stderr' });
    await stderr.replied;
    stdin.write('abc');
    stdin.end();
    await Promise.all([error.ended, stdout.ended, stderr.ended]);
    client.close();
    expect([stdout.received().toString(), stderr.received().toString()]).toEqual(['abc', 'done\n']);
    expect(JSON.parse(error.received().toString())).toEqual({ metadata: {}, status: 'Success' });
  });

  it('Exec with a terminal over SPDY: TERM=xterm, and the resize stream sets the pty\'s size', async () => {
    const script = 'echo "term=$TERM"; for i in $(seq 100); do s=$(stty size 2>/dev/null); [ "$s" = "40 120" ] && echo "size $s" && exit 0; sleep 0.1; done; exit 1';
    const client = await spdy(await execUrl(shell, ['sh', '-c', script], { tty: true, stderr: false }), ['v4.channel.k8s.io']);
    const error = await client.stream({ streamType: 'error' });
    const stdout = await client.stream({ streamType: 'stdout' });
    const resize = await client.stream({ streamType: 'resize' });
    await resize.replied;
    resize.write('{"Width":120,"Height":40}\n');
    await error.ended;
    client.close();
    expect(stdout.received().toString()).toBe('term=xterm\r\nsize 40 120\r\n');
    expect(JSON.parse(error.received().toString())).toEqual({ metadata: {}, status: 'Success' });
  });

  it('Attach to the main process: stdin reaches it and its output comes back; the container runs on after the client leaves', async () => {
    const { url } = await call<{ url: string }>((cb) => cri.runtime.attach({ containerId: shell, stdin: true, tty: false, stdout: true, stderr: true }, cb));
    const ws = new ChannelClient(url, ['v4.channel.k8s.io']);
    await ws.opened;
    ws.send(0, 'hello cat\n');
    await until('the echo of stdin', () => ws.text(1).includes('hello cat\n'));
    ws.ws.close();
    await ws.closed;
    expect((await execSync(shell, ['true'])).exitCode).toBe(0);
  });

  it('Attach over SPDY to a main process with a terminal: the resize stream sets its size, stdin reaches it', async () => {
    const tty = await runContainer('tty', 'while :; do s=$(stty size 2>/dev/null); [ "$s" = "30 100" ] && read line && echo "size $s, read $line" && exec sleep 1000; sleep 0.1; done', { stdin: true, tty: true });
    const { url } = await call<{ url: string }>((cb) => cri.runtime.attach({ containerId: tty, stdin: true, tty: true, stdout: true, stderr: false }, cb));
    const client = await spdy(url, ['v4.channel.k8s.io']);
    await client.stream({ streamType: 'error' });
    const stdin = await client.stream({ streamType: 'stdin' });
    const stdout = await client.stream({ streamType: 'stdout' });
    const resize = await client.stream({ streamType: 'resize' });
    await resize.replied;
    resize.write('{"Width":100,"Height":30}');
    stdin.write('typed\r');
    await until('the process to see its size and line', () => stdout.received().toString().includes('size 30 100, read typed'));
    client.close();
  });

  it('PortForward: a SPDY data stream reaches a port inside the pod; a closed port says why', async () => {
    const podSandboxId = podId;
    const web = await runContainer('web', 'mkdir -p /tmp/www && echo hello-from-the-pod > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www');
    await until('httpd to listen inside the pod', async () => (await execSync(web, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']).catch(() => undefined))?.exitCode === 0);

    const { url } = await call<{ url: string }>((cb) => cri.runtime.portForward({ podSandboxId, port: [8080] }, cb));
    const client = await spdy(url, ['portforward.k8s.io']);
    const error = await client.stream({ streamType: 'error', port: '8080', requestID: '0' });
    error.end();
    const data = await client.stream({ streamType: 'data', port: '8080', requestID: '0' });
    data.write('GET / HTTP/1.0\r\n\r\n');
    await data.ended;
    expect(data.received().toString()).toMatch(/^HTTP\/1\.[01] 200 OK\r\n[\s\S]*\r\n\r\nhello-from-the-pod\n$/);
    expect(error.received().toString()).toBe('');

    const closedError = await client.stream({ streamType: 'error', port: '8081', requestID: '1' });
    closedError.end();
    await client.stream({ streamType: 'data', port: '8081', requestID: '1' });
    await closedError.ended;
    expect(closedError.received().toString()).toBe(
      `error forwarding port 8081 to pod ${podSandboxId}, uid : failed to execute portforward in network namespace "${netnsPath}": failed to connect to localhost:8081 inside namespace "${podSandboxId}": dial tcp4 127.0.0.1:8081: connect: connection refused`,
    );
    client.close();
  });
  describe.skipIf(!KUBECTL)(`with kubectl (client-go) through an API server that proxies to the streaming URL${KUBECTL ? '' : ' (skipped: needs kubectl, not installed here)'}`, () => {
    let api: KubectlApiServer;
    const flag = (q: URLSearchParams, name: string) => q.get(name) === 'true' || q.get(name) === '1';

    beforeAll(async () => {
      writeFileSync(join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n');
      api = await startKubectlApiServer('e2e', 'web', async (kind, q) => {
        const io = { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr'), tty: flag(q, 'tty') };
        if (kind === 'exec') return (await call<{ url: string }>((cb) => cri.runtime.exec({ containerId: shell, cmd: q.getAll('command'), ...io }, cb))).url;
        if (kind === 'attach') return (await call<{ url: string }>((cb) => cri.runtime.attach({ containerId: shell, ...io }, cb))).url;
        return (await call<{ url: string }>((cb) => cri.runtime.portForward({ podSandboxId: podId, port: [] }, cb))).url;
      });
    });

    afterAll(async () => {
      await api?.close();
    });

    for (const [transport, websockets, upgrade] of [
      ['SPDY', 'false', 'exec SPDY/3.1'],
      ['WebSocket', 'true', 'exec websocket'],
    ] as const) {
      it(`kubectl exec over ${transport}: stdin, stdout and stderr apart, the exit code`, async () => {
        const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: websockets };
        api.upgrades.length = 0;
        const ok = await kubectl(api.url, ['exec', '-i', 'web', '--', 'sh', '-c', 'read x; echo "got $x"; echo to-stderr >&2'], env, 'line\n');
        expect(ok).toEqual({ code: 0, stdout: 'got line\n', stderr: 'to-stderr\n' });
        const failed = await kubectl(api.url, ['exec', 'web', '--', 'sh', '-c', 'exit 7'], env);
        expect(failed.code).toBe(7);
        expect(failed.stderr).toContain('command terminated with exit code 7');
        expect(api.upgrades).toEqual([upgrade, upgrade]);
      });
    }

    it('kubectl port-forward (SPDY): a local port reaches httpd inside the pod', async () => {
      const child = execFile(KUBECTL!, ['--server', api.url, '--kubeconfig', join(dir, 'kubeconfig'), '-n', 'e2e', 'port-forward', 'web', ':8080'], {
        env: { ...process.env, KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' },
      });
      try {
        let printed = '';
        child.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
        const port = await until('kubectl to listen', () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(printed)?.[1]);
        const body = await until('the page through the forward', async () => (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()).catch(() => undefined)));
        expect(body).toBe('hello-from-the-pod\n');
        expect(api.upgrades.at(-1)).toBe('portforward SPDY/3.1');
      } finally {
        child.kill();
      }
    });
  });
});
