// Docker's volume JSON ↔ ce.api.v1 Volumes messages. ced sends each volume as
// Docker's VolumeJSON already (Volume.json), so replies pass it on.
import { internal, isCeError, notFound } from '@ce/protocol';
import type { CreateVolumeRequest, FilterValues, Volume } from '@ce/protocol/gen/ce/api/v1/volumes';
import { BodyFields } from './body-fields.js';

/** POST /volumes/create's body (Docker's VolumeCreateBody) as ce's request. */
export function volumeCreateRequest(body: unknown): CreateVolumeRequest {
  const fields = new BodyFields(body, 'volume.VolumeCreateBody');
  return { name: fields.string('Name'), driver: fields.string('Driver'), driverOpts: fields.stringMap('DriverOpts'), labels: fields.stringMap('Labels') };
}

/** Docker's `filters` map in ce's shape. */
export function volumeFilters(filters: Record<string, string[]>): Record<string, FilterValues> {
  return Object.fromEntries(Object.entries(filters).map(([key, values]) => [key, { values }]));
}

/** A volume as Docker's Volume JSON. */
export function dockerVolume(volume: Volume): Record<string, unknown> {
  try {
    return JSON.parse(volume.json) as Record<string, unknown>;
  } catch (err) {
    throw internal(`the daemon sent volume ${volume.name} as JSON that does not parse: ${(err as Error).message}`);
  }
}

/** dockerd's words for a volume that is not there (`get x: no such volume`); other errors as they are. */
export function inDockerWords(name: string, err: unknown): unknown {
  return isCeError(err, 'NotFound') ? notFound(`get ${name}: no such volume`) : err;
}
