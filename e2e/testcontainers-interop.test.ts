// Issue 12: the Node testcontainers package pointed at ced's Docker API:
// start a busybox container, wait for its log line, reach its mapped port,
// stop it. Ryuk (testcontainers' reaper) is off: it is an image from Docker
// Hub (testcontainers/ryuk), which this test's machines cannot pull, and it
// runs with the daemon's socket mounted to remove what a crashed test left;
// here the test removes its own container and the daemon goes with it.
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerSocketOf } from './support/docker-cli.js';

function fetchText(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host, port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('testcontainers against ced', () => {
  let daemon: TestDaemon;
  const saved = { DOCKER_HOST: process.env.DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED };

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
    // testcontainers reads its environment when it first looks for a runtime, at the first start().
    process.env.DOCKER_HOST = `unix://${dockerSocketOf(daemon)}`;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  });

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (daemon) {
      const left = await ce(['ps', '-aq', '--filter', 'label=org.testcontainers=true'], { socket: daemon.socket });
      for (const id of left.stdout.split('\n').filter(Boolean)) await ce(['rm', '-f', id], { socket: daemon.socket });
      await daemon.dispose();
    }
  });

  it('starts busybox, waits for its log line, maps its port and stops it', async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('busybox:latest')
      .withCommand(['sh', '-c', 'mkdir /www && echo hello-from-testcontainers > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www'])
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forLogMessage('serving'))
      .withStartupTimeout(60_000)
      .start();
    try {
      const port = container.getMappedPort(8080);
      expect(port).toBeGreaterThan(0);
      expect(await fetchText(container.getHost(), port)).toBe('hello-from-testcontainers\n');
    } finally {
      await container.stop({ timeout: 1 });
    }
    // stop() removes the container too (testcontainers' default).
    expect((await ce(['ps', '-aq', '--filter', 'label=org.testcontainers=true'], { socket: daemon.socket })).stdout).toBe('');
  });
});
