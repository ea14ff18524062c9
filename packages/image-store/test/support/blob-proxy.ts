// An HTTP proxy in front of a registry that interferes with the download of
// one blob: it records each GET's Range header and cuts or stalls the first
// answer after `cutAfter` bytes, then passes later ones through or answers
// them 404 (a pull that fails for good, leaving its partial download).
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryServer } from './registry.js';

export interface BlobProxyMode {
  cutAfter: number;
  /** Hold the first answer open after `cutAfter` bytes until release() (instead of cutting it). */
  stall?: boolean;
  /** Answer every later GET of the blob 404, so the pull gives up. */
  thenMissing?: boolean;
}

export interface BlobProxy {
  /** host:port to pull through. */
  host: string;
  /** The Range header of each GET of the blob (undefined: none). */
  ranges: Array<string | undefined>;
  /** Resolves once a stalled answer has sent its `cutAfter` bytes. */
  stalled: Promise<void>;
  /** Cuts the stalled answer's connection, so the client retries. */
  release(): void;
  close(): Promise<void>;
}

export async function startBlobProxy(target: RegistryServer, blob: string, mode: BlobProxyMode): Promise<BlobProxy> {
  const ranges: Array<string | undefined> = [];
  let answered = 0;
  let stalledAt: () => void = () => undefined;
  const stalled = new Promise<void>((r) => (stalledAt = r));
  let held: http.ServerResponse | undefined;
  const server = http.createServer((req, res) => {
    const isBlob = req.method === 'GET' && !!req.url?.endsWith(`/blobs/${blob}`);
    if (isBlob) ranges.push(req.headers.range);
    const nth = isBlob ? answered++ : -1;
    if (nth > 0 && mode.thenMissing) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
      return;
    }
    const upstream = http.request(`${target.url}${req.url}`, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (nth !== 0) {
        up.pipe(res);
        return;
      }
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= mode.cutAfter) return;
        const part = chunk.subarray(0, mode.cutAfter - sent);
        sent += part.length;
        res.write(part);
        if (sent < mode.cutAfter) return;
        up.destroy();
        if (mode.stall) {
          held = res;
          stalledAt();
        } else res.socket?.destroy();
      });
    });
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    ranges,
    stalled,
    release: () => held?.socket?.destroy(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
