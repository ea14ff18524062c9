// Just enough of a Kubernetes API server for `kubectl exec`, `attach` and
// `port-forward` to run against one pod: the pod's GET (and discovery), then
// the streaming request proxied to the CRI streaming URL the callback
// answers, as a kubelet proxies it (the upgrade passed through untouched).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface KubectlApiServer {
  readonly url: string;
  /** Each streaming request's kind and Upgrade header, in order ("exec SPDY/3.1", "exec websocket"). */
  readonly upgrades: string[];
  close(): Promise<void>;
}

export type StreamingUrl = (kind: 'exec' | 'attach' | 'portforward', query: URLSearchParams) => Promise<string>;

const json = (body: unknown) => JSON.stringify(body);

export async function startKubectlApiServer(namespace: string, pod: string, streamingUrl: StreamingUrl): Promise<KubectlApiServer> {
  const podPath = `/api/v1/namespaces/${namespace}/pods/${pod}`;
  const podObject = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: pod, namespace, uid: 'uid-1' },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: {} } }] },
  };
  const documents: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
    '/api/v1': {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
        { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
        { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
        { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      ],
    },
    [podPath]: podObject,
  };
  const sockets = new Set<Duplex>();
  const upgrades: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const doc = documents[path];
    res.writeHead(doc ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(doc ? json(doc) : json({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const kind = url.pathname.slice(podPath.length + 1);
    if (!url.pathname.startsWith(`${podPath}/`) || !['exec', 'attach', 'portforward'].includes(kind)) return void client.destroy();
    upgrades.push(`${kind} ${req.headers.upgrade ?? ''}`);
    void streamingUrl(kind as 'exec' | 'attach' | 'portforward', url.searchParams).then(
      (target) => {
        const t = new URL(target);
        const upstream = connect({ host: t.hostname, port: Number(t.port) });
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        const headers = [];
        for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() !== 'host') headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        upstream.write(`${req.method} ${t.pathname} HTTP/1.1\r\nHost: ${t.host}\r\n${headers.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        upstream.pipe(client).pipe(upstream);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      },
      (err: Error) => client.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${Buffer.byteLength(err.message)}\r\n\r\n${err.message}`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upgrades,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
