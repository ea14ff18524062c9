import { describe, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { freePort, hostAddress } from './support/network-probes.js';
import { createSocket } from 'node:dgram';
let daemon: TestDaemon;
withBusyboxDaemon((d) => (daemon = d), []);
const run = async (args: string[]) => { const t = Date.now(); const r = await ce(args, { socket: daemon.socket }); console.error('T', Date.now() - t, args.join(' '), '\n', r.code, r.stdout, r.stderr); return r; };
const send = async (msg: string, port: number, host: string) => { const s = createSocket('udp4'); await new Promise<void>((r) => s.send(msg, port, host, () => r())); s.close(); };
describe('x', () => {
  it('y', async () => {
    const p = await freePort();
    await run(['network', 'create', 'n1']);
    await run(['run', '-d', '--name', 'uu', '--network', 'n1', '-p', `${p}:5000/udp`, 'busybox', 'sh', '-c', 'while true; do nc -u -l -p 5000 -w 1 >> /tmp/got; done']);
    const ip = (await run(['inspect', '-f', '{{.NetworkSettings.Networks.n1.IPAddress}}', 'uu'])).stdout.trim();
    await new Promise((r) => setTimeout(r, 500));
    await send('direct\n', 5000, ip);
    await new Promise((r) => setTimeout(r, 1500));
    await send('loopback\n', p, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1500));
    await send('hostaddr\n', p, hostAddress()!);
    await new Promise((r) => setTimeout(r, 1500));
    await run(['exec', 'uu', 'cat', '/tmp/got']);
    await run(['rm', '-f', 'uu']);
  });
});
