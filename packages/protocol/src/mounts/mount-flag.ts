// docker run --mount's value (docker/cli opts.MountOpt): CSV fields
// key=value, with type defaulting to volume. The errors are the CLI's own.
import type { MountSpec } from './types.js';
import { ramInBytes } from './sizes.js';

/** Splits one CSV record (Go's encoding/csv, comma separated, double quotes). */
function csvFields(value: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let atStart = true;
  while (i < value.length) {
    const c = value[i]!;
    if (quoted) {
      if (c === '"') {
        if (value[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
    } else if (c === '"' && atStart) {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      atStart = true;
      i++;
      continue;
    } else if (c === '"') {
      throw new Error(`parse error on line 1, column ${i + 1}: bare " in non-quoted-field`);
    } else field += c;
    atStart = false;
    i++;
  }
  if (quoted) throw new Error(`parse error on line 1, column ${value.length + 1}: extraneous or missing " in quoted-field`);
  fields.push(field);
  return fields;
}

function parseBool(key: string, value: string, message = `invalid value for ${key}: ${value}`): boolean {
  // Go's strconv.ParseBool
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new Error(message);
}

function setOnMap(target: Record<string, string>, value: string): void {
  const eq = value.indexOf('=');
  if (eq < 0) target[value] = '';
  else target[value.slice(0, eq)] = value.slice(eq + 1);
}

/** One --mount value as a HostConfig.Mounts entry; throws the CLI's message (the caller adds the flag's name). */
export function parseMountFlag(value: string): MountSpec {
  const mount: MountSpec = { Type: 'volume', Target: '' };
  const volumeOptions = () => {
    mount.VolumeOptions ??= {};
    mount.VolumeOptions.DriverConfig ??= {};
    return mount.VolumeOptions;
  };
  const bindOptions = () => (mount.BindOptions ??= {});
  const tmpfsOptions = () => (mount.TmpfsOptions ??= {});
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') {
        mount.ReadOnly = true;
        continue;
      }
      if (key === 'volume-nocopy') {
        volumeOptions().NoCopy = true;
        continue;
      }
      throw new Error(`invalid field '${field}' must be a key=value pair`);
    }
    const v = field.slice(eq + 1);
    switch (key) {
      case 'type':
        mount.Type = v.toLowerCase();
        break;
      case 'source':
      case 'src':
        mount.Source = v;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        mount.Target = v;
        break;
      case 'readonly':
      case 'ro':
        mount.ReadOnly = parseBool(key, v);
        break;
      case 'consistency':
        mount.Consistency = v.toLowerCase();
        break;
      case 'bind-propagation':
        bindOptions().Propagation = v.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bindOptions().NonRecursive = parseBool(key, v);
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = parseBool(key, v, `invalid value for volume-nocopy: ${v}`);
        break;
      case 'volume-label':
        setOnMap((volumeOptions().Labels ??= {}), v);
        break;
      case 'volume-driver':
        volumeOptions().DriverConfig!.Name = v;
        break;
      case 'volume-opt':
        setOnMap((volumeOptions().DriverConfig!.Options ??= {}), v);
        break;
      case 'tmpfs-size': {
        const size = ramInBytes(v);
        if (size === undefined) throw new Error(`invalid value for ${key}: ${v}`);
        tmpfsOptions().SizeBytes = size;
        break;
      }
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(v) || Number.parseInt(v, 8) > 0xffffffff) throw new Error(`invalid value for ${key}: ${v}`);
        tmpfsOptions().Mode = Number.parseInt(v, 8);
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!mount.Type) throw new Error('type is required');
  if (!mount.Target) throw new Error('target is required');
  if (mount.VolumeOptions && mount.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${mount.Type}'`);
  if (mount.BindOptions && mount.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${mount.Type}'`);
  if (mount.TmpfsOptions && mount.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${mount.Type}'`);
  return mount;
}
