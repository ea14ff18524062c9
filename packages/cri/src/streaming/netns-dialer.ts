// A TCP connection to 127.0.0.1:<port> inside a network namespace. A Node
// process cannot open one socket in another netns (setns moves the whole
// calling thread, and Node's sockets are made on its main thread), so a
// small child does it: `nsenter --net=<pinned netns>` runs this Node binary
// with a few lines that connect and pipe the socket to its stdin/stdout,
// reporting the outcome on fd 3. One child per forwarded connection.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';

// Runs in the child: connect, say "ok" or the error on fd 3, then pipe.
const CONNECT_AND_PIPE = `
const net = require('node:net');
const fs = require('node:fs');
const port = Number(process.argv[1]);
const socket = net.connect({ host: '127.0.0.1', port });
socket.once('connect', () => {
  fs.writeSync(3, 'ok\\n');
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
});
socket.once('error', (err) => {
  try { fs.writeSync(3, 'dial tcp4 127.0.0.1:' + port + ': ' + (err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.message) + '\\n'); } catch {}
  process.exit(1);
});
socket.once('close', () => process.exit(0));
`;

/** Connects inside the netns pinned at `netnsPath`; '' is the host's network (a host-network pod). */
export function dialInNetns(netnsPath: string, port: number): Promise<Duplex> {
  if (!netnsPath) return dialHost(port);
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', process.execPath, '-e', CONNECT_AND_PIPE, String(port)], {
      stdio: ['pipe', 'pipe', 'ignore', 'pipe'],
    });
    const status = child.stdio[3] as Readable;
    let text = '';
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(message));
    };
    child.once('error', (err) => fail(`failed to run nsenter: ${err.message}`));
    child.once('exit', (code) => fail(text.trim() || `the connecting process exited with ${code}`));
    status.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('\n') || settled) return;
      if (text.startsWith('ok\n')) {
        settled = true;
        const duplex = Duplex.from({ readable: child.stdout as Readable, writable: child.stdin as Writable });
        duplex.once('close', () => child.kill('SIGKILL'));
        resolve(duplex);
      } else fail(text.trim());
    });
  });
}

function dialHost(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`dial tcp4 127.0.0.1:${port}: ${err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.message}`)),
    );
  });
}
