// The bridge driver's options (docker network create -o), with Docker's keys
// and Go's boolean spellings (strconv.ParseBool).
import { invalidArgument } from '@ce/protocol/errors';

export const BRIDGE_NAME = 'com.docker.network.bridge.name';
export const DRIVER_MTU = 'com.docker.network.driver.mtu';
export const ENABLE_ICC = 'com.docker.network.bridge.enable_icc';
export const ENABLE_IP_MASQUERADE = 'com.docker.network.bridge.enable_ip_masquerade';

export interface BridgeOptions {
  bridge?: string;
  mtu?: number;
  icc: boolean;
  masquerade: boolean;
}

export function parseBridgeOptions(options: Record<string, string>): BridgeOptions {
  const mtuText = options[DRIVER_MTU];
  let mtu: number | undefined;
  if (mtuText !== undefined) {
    mtu = /^\d+$/.test(mtuText) ? Number(mtuText) : NaN;
    if (!(mtu >= 68 && mtu <= 65535)) throw invalidArgument(`invalid ${DRIVER_MTU} ${JSON.stringify(mtuText)}: an MTU is between 68 and 65535`);
  }
  const bridge = options[BRIDGE_NAME];
  if (bridge !== undefined) checkDeviceName(bridge, 'bridge name');
  return {
    ...(bridge !== undefined ? { bridge } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
    icc: parseBool(options, ENABLE_ICC, true),
    masquerade: parseBool(options, ENABLE_IP_MASQUERADE, true),
  };
}

/** The kernel's rule for a device name: 1 to 15 bytes, no '/', ':' or white space, not '.' or '..'. */
export function checkDeviceName(name: string, what: string): void {
  if (!name || Buffer.byteLength(name) > 15 || /[/:\s]/.test(name) || name === '.' || name === '..') {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(name)}: a device name has 1 to 15 characters, without '/', ':' or spaces`);
  }
}

function parseBool(options: Record<string, string>, key: string, fallback: boolean): boolean {
  const text = options[key];
  if (text === undefined) return fallback;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw invalidArgument(`invalid ${key} ${JSON.stringify(text)}: expected true or false`);
}
