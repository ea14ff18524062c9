import { request } from 'node:http';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to a unix socket, the whole reply read. */
export function httpOverUnix(socketPath: string, method: string, path: string, body?: { json?: unknown; raw?: string | Buffer; contentType?: string }): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const payload = body?.json !== undefined ? JSON.stringify(body.json) : body?.raw;
    const headers: Record<string, string> = {};
    if (payload !== undefined) {
      headers['Content-Type'] = body?.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const req = request({ socketPath, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
