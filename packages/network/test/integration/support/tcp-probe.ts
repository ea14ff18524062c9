// TCP traffic between namespaces the tests made (there is no ping on the
// test machines): a server answering "pong", and a client that reads it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** A TCP server answering "pong" inside a namespace (a path to it); resolves once it listens. */
export async function serve(netns: string, port = 7777): Promise<ChildProcess> {
  const server = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', `require('net').createServer((s) => s.end('pong')).listen(${port}, () => console.log('ready'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return server;
}

/** What a TCP client inside `netns` reads from address:port (3 s at most). */
export function call(netns: string, address: string, port = 7777): string {
  return execFileSync(
    'nsenter',
    [`--net=${netns}`, process.execPath, '-e', `const s = require('net').connect(${port}, '${address}'); s.on('data', (d) => process.stdout.write(d)); s.on('error', (e) => { console.error(e.message); process.exit(1); }); setTimeout(() => process.exit(2), 3000).unref();`],
    { encoding: 'utf8', timeout: 10_000 },
  );
}
