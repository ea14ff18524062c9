// Starts Debian's docker-registry (distribution 2.8) on 127.0.0.1 with its own
// config and storage in a temp folder, and stops it; plus what its auth setups
// need: a bcrypt htpasswd file, certificates made with openssl, a token server.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createSign, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RegistryServer {
  /** "127.0.0.1:<port>": the host part of image references. */
  host: string;
  url: string;
  dir: string;
  /** The registry's own log (stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface RegistrySetup {
  /** htpasswd basic auth with one user. */
  basic?: { username: string; password: string };
  /** Token auth: the realm, service and issuer, and the certificate (PEM) tokens are signed with. */
  token?: { realm: string; service: string; issuer: string; certPem: string };
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { certPem: string; keyPem: string };
  /** Listen on [::1] instead of 127.0.0.1: a loopback address Docker (and ce) do not treat as insecure. */
  ipv6?: boolean;
}

export async function freePort(address = '127.0.0.1'): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, address, resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * A bcrypt htpasswd line (the registry accepts nothing else), made by the C
 * library's crypt(3) through perl: libxcrypt does `$2b$`, and perl is part of
 * every Debian system, so no package is added for it.
 */
export function htpasswdLine(username: string, password: string): string {
  const salt = randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(22, 'a').slice(0, 22);
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
  if (!hash.startsWith('$2b$')) throw new Error(`crypt(3) did not make a bcrypt hash (got ${JSON.stringify(hash)})`);
  return `${username}:${hash}\n`;
}

export async function startRegistry(setup: RegistrySetup = {}): Promise<RegistryServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-registry-'));
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(setup.ipv6 ? '::1' : '127.0.0.1');
    try {
      return await launch(dir, port, setup);
    } catch (err) {
      lastErr = err;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastErr;
}

async function launch(dir: string, port: number, setup: RegistrySetup): Promise<RegistryServer> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: "${setup.ipv6 ? '[::1]' : '127.0.0.1'}:${port}"`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (setup.tls) {
    await writeFile(join(dir, 'server.crt'), setup.tls.certPem);
    await writeFile(join(dir, 'server.key'), setup.tls.keyPem, { mode: 0o600 });
    lines.push('  tls:', `    certificate: ${join(dir, 'server.crt')}`, `    key: ${join(dir, 'server.key')}`);
  }
  if (setup.basic) {
    await writeFile(join(dir, 'htpasswd'), htpasswdLine(setup.basic.username, setup.basic.password));
    lines.push('auth:', '  htpasswd:', '    realm: ce-test', `    path: ${join(dir, 'htpasswd')}`);
  } else if (setup.token) {
    await writeFile(join(dir, 'token.crt'), setup.token.certPem);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${setup.token.realm}`,
      `    service: ${setup.token.service}`,
      `    issuer: ${setup.token.issuer}`,
      `    rootcertbundle: ${join(dir, 'token.crt')}`,
    );
  }
  await writeFile(join(dir, 'config.yml'), lines.join('\n') + '\n');
  let log = '';
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const scheme = setup.tls ? 'https' : 'http';
  const host = `${setup.ipv6 ? '[::1]' : '127.0.0.1'}:${port}`;
  const url = `${scheme}://${host}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited at start: ${log}`);
    const up = await new Promise<boolean>((resolve) => {
      const req = (setup.tls ? https : http).get(`${url}/v2/`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`docker-registry did not answer on ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    url,
    dir,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CertFiles {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A CA and a server certificate it signed for 127.0.0.1, ::1 and localhost, made with openssl. */
export async function makeServerCert(): Promise<CertFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-certs-'));
  try {
    const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ce test CA');
    o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n');
    o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf');
    const [caPem, certPem, keyPem] = await Promise.all(['ca.crt', 'server.crt', 'server.key'].map((f) => readFile(join(dir, f), 'utf8')));
    return { caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPem: string;
  /** Every request the server answered: its scopes and whether the credentials were good. */
  requests: Array<{ scopes: string[]; account?: string; ok: boolean }>;
  stop(): Promise<void>;
}

/**
 * A token server as the distribution registry expects one: GET <realm>?service=&scope=
 * with basic credentials answers `{ token, access_token, expires_in }`, a JWT
 * signed RS256 whose `x5c` header carries the certificate in the registry's
 * rootcertbundle, granting the asked actions to the one user (pull to anyone).
 */
export async function startTokenServer(user: { username: string; password: string }): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-token-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=ce test token issuer'], {
    cwd: dir,
    stdio: 'pipe',
  });
  const keyPem = await readFile(join(dir, 'key.pem'), 'utf8');
  const certPem = await readFile(join(dir, 'cert.pem'), 'utf8');
  await rm(dir, { recursive: true, force: true });
  const key = createPrivateKey(keyPem);
  const certDer = new X509Certificate(certPem).raw;
  const service = 'ce-test-registry';
  const issuer = 'ce-test-issuer';
  const requests: TokenServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    const auth = req.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : undefined;
    const account = decoded?.slice(0, decoded.indexOf(':'));
    const good = decoded === `${user.username}:${user.password}`;
    if (decoded !== undefined && !good) {
      requests.push({ scopes, account, ok: false });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"incorrect username or password"}');
      return;
    }
    requests.push({ scopes, account, ok: true });
    const access = scopes.map((s) => {
      const [type, name, actions = ''] = s.split(':');
      const asked = actions.split(',').filter(Boolean);
      return { type, name, actions: good ? asked : asked.filter((a) => a === 'pull') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub: good ? account : '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPem,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
