import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The pod network the CRI e2e tests hand ced (`--cni-config-dir <dir>/net.d`): a
 * bridge with host-local addresses from `subnet` (state in `<dir>/ipam`), then
 * optionally a default route and portmap, then loopback. Returns the config folder.
 */
export function writePodConflist(dir: string, network: { name: string; bridge: string; subnet: string; defaultRoute?: boolean; portmap?: boolean }): string {
  const confDir = join(dir, 'net.d');
  mkdirSync(confDir, { recursive: true });
  const ipam = { type: 'host-local', ranges: [[{ subnet: network.subnet }]], ...(network.defaultRoute ? { routes: [{ dst: '0.0.0.0/0' }] } : {}), dataDir: join(dir, 'ipam') };
  const plugins = [
    { type: 'bridge', bridge: network.bridge, isGateway: true, ipMasq: false, ipam },
    ...(network.portmap ? [{ type: 'portmap', capabilities: { portMappings: true } }] : []),
    { type: 'loopback' },
  ];
  writeFileSync(join(confDir, '10-pods.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: network.name, plugins }));
  return confDir;
}
