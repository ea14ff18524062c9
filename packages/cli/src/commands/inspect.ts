// ce inspect, ce container inspect, ce image inspect: Docker's JSON for each
// object (cli/command/inspect), or a --format template run on each.
import { CeError, unary } from '@ce/protocol';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { DiskUsageResponse, InspectImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Network } from '@ce/protocol/gen/ce/network/v1/network';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { parseDockerTemplate } from '../format/docker-format.js';
import { CONTAINER_SHAPES, IMAGE_SHAPES, NETWORK_SHAPES, networkTemplateJson } from '../format/docker-shapes.js';
import { goJsonIndent, type GoShapes } from '../format/go-values.js';
import { executeInspectTemplate } from '../format/inspect-format.js';
import { TemplateSyntaxError, type GoTemplate } from '../format/template.js';
import { dockerImageJson } from './image-inspect.js';
import { inspectVolumeJson, VOLUME_SHAPES } from './volume.js';

/** The --type values docker accepts; ce has containers, images, networks and volumes. */
const DOCKER_TYPES = ['config', 'container', 'image', 'node', 'network', 'plugin', 'secret', 'service', 'volume', 'task'];

export interface InspectOptions {
  type?: string;
  format?: string;
  size?: boolean;
}

interface Found {
  json: Record<string, unknown>;
  shapes: GoShapes;
  /** What a template runs on, when it differs from the JSON printed. */
  templateJson?: Record<string, unknown>;
}

/** A missing object, worded as the docker client words it ("Error: No such container: x"). */
class NotFound extends Error {}

function isNotFound(err: unknown): boolean {
  return err instanceof CeError && err.code === 'NotFound';
}

async function inspectContainer(conn: Connection, ref: string, size: boolean): Promise<Found> {
  const container = await unary<Container>((cb) => conn.containers.inspect({ id: ref }, cb), conn.target);
  let json = JSON.parse(container.json) as Record<string, unknown>;
  if (size) json = await withSizes(conn, json, container);
  return { json, shapes: CONTAINER_SHAPES };
}

/** inspect -s: SizeRw and SizeRootFs after GraphDriver, where Docker's ContainerJSONBase declares them. */
async function withSizes(conn: Connection, json: Record<string, unknown>, container: Container): Promise<Record<string, unknown>> {
  const df = await unary<DiskUsageResponse>((cb) => conn.images.diskUsage({}, cb), conn.target);
  const rw = df.containers.find((c) => c.key === container.id)?.size ?? 0;
  const image = df.images.find((i) => i.id === container.imageId)?.size ?? 0;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    out[k] = v;
    if (k === 'GraphDriver') Object.assign(out, { SizeRw: rw, SizeRootFs: rw + image });
  }
  return out;
}

async function inspectImage(conn: Connection, reference: string): Promise<Found> {
  const res = await unary<InspectImageResponse>((cb) => conn.images.inspect({ reference }, cb), conn.target);
  return { json: dockerImageJson(res), shapes: IMAGE_SHAPES };
}

async function inspectNetwork(conn: Connection, ref: string): Promise<Found> {
  const network = await unary<Network>((cb) => conn.networks.inspect({ ref }, cb), conn.target).catch((err: unknown) => {
    // A daemon that serves no networks has none of this name.
    throw err instanceof CeError && err.code === 'Unimplemented' ? new CeError('NotFound', `network ${ref} not found`) : err;
  });
  const json = JSON.parse(network.networkJson) as Record<string, unknown>;
  return { json, shapes: NETWORK_SHAPES, templateJson: networkTemplateJson(json) };
}

async function find(conn: Connection, ref: string, o: InspectOptions): Promise<Found> {
  const attempts: [string, () => Promise<Found>][] = [];
  if (!o.type || o.type === 'container') attempts.push(['container', () => inspectContainer(conn, ref, !!o.size)]);
  if (!o.type || o.type === 'image') attempts.push(['image', () => inspectImage(conn, ref)]);
  if (!o.type || o.type === 'network') attempts.push(['network', () => inspectNetwork(conn, ref)]);
  if (!o.type || o.type === 'volume') attempts.push(['volume', async () => ({ json: await inspectVolumeJson(conn, ref), shapes: VOLUME_SHAPES })]);
  for (const [, attempt] of attempts) {
    try {
      return await attempt();
    } catch (err) {
      if (!isNotFound(err)) throw new CliExit(1, daemonErrorMessage(err, conn.target));
    }
  }
  throw new NotFound(`Error: No such ${o.type ?? 'object'}: ${ref}`);
}

function parseInspectFormat(format: string): GoTemplate {
  try {
    return parseDockerTemplate(format);
  } catch (err) {
    // docker inspect exits 64 for a template that does not parse.
    if (err instanceof TemplateSyntaxError) throw new CliExit(64, `template parsing error: ${err.message}`);
    throw err;
  }
}

/** Prints every object found, then fails with one line per object that was not (or whose template failed). */
export async function inspectObjects(conn: Connection, refs: string[], o: InspectOptions): Promise<void> {
  if (o.type !== undefined && !DOCKER_TYPES.includes(o.type)) throw new CliExit(1, `"${o.type}" is not a valid value for --type`);
  const template = o.format !== undefined && o.format !== '' ? parseInspectFormat(o.format) : undefined;
  const found: Record<string, unknown>[] = [];
  const errors: string[] = [];
  let formatted = '';
  for (const ref of refs) {
    let element: Found;
    try {
      element = await find(conn, ref, o);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      errors.push(err.message);
      continue;
    }
    if (!template) {
      found.push(element.json);
      continue;
    }
    try {
      formatted += `${executeInspectTemplate(template, element.templateJson ?? element.json, element.shapes)}\n`;
    } catch (err) {
      errors.push(`template parsing error: ${(err as Error).message}`);
    }
  }
  if (template) process.stdout.write(formatted || '\n');
  else process.stdout.write(`${goJsonIndent(found)}\n`);
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

/** The flags of `ce inspect`; the container and image forms fix --type. */
export function addInspectFlags(cmd: Command, withType: boolean, withSize: boolean): Command {
  cmd.option('-f, --format <string>', 'Format the output using the given Go template');
  if (withSize) cmd.option('-s, --size', 'Display total file sizes');
  if (withType) cmd.option('--type <string>', 'Return JSON for specified type');
  return cmd;
}

export function registerInspect(program: Command, connect: () => Connection): void {
  addInspectFlags(
    program.command('inspect').description('Return low-level information on Docker objects').usage('[OPTIONS] NAME|ID [NAME|ID...]').argument('<name...>'),
    true,
    true,
  ).action(async (refs: string[], opts: InspectOptions) => inspectObjects(connect(), refs, opts));
}

export function registerContainerInspect(container: Command, connect: () => Connection): void {
  addInspectFlags(
    container.command('inspect').description('Display detailed information on one or more containers').usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<container...>'),
    false,
    true,
  ).action(async (refs: string[], opts: InspectOptions) => inspectObjects(connect(), refs, { ...opts, type: 'container' }));
}
