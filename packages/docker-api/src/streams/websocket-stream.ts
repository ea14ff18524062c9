import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { HijackedStream } from '../request-context.js';

/** Whether an API version is 1.28 or later, from which dockerd sends binary frames (text frames before). */
function sendsBinary(apiVersion: string): boolean {
  const [major = 0, minor = 0] = apiVersion.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 28);
}

/**
 * A websocket as an attach's stream: each message the client sends is stdin,
 * the output goes out one message per chunk. The client closing the socket
 * ends its input and the stream.
 */
export function websocketStream(ws: WebSocket, apiVersion: string): HijackedStream {
  const binary = sendsBinary(apiVersion);
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState !== ws.OPEN) return callback();
      ws.send(chunk, { binary }, (err) => callback(err ?? null));
    },
    final(callback) {
      ws.close(1000);
      callback();
    },
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => duplex.push(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)));
  ws.on('close', () => {
    duplex.push(null);
    duplex.destroy();
  });
  ws.on('error', () => duplex.destroy());
  return { input: duplex, output: duplex, halfClosable: false, close: () => duplex.end() };
}
