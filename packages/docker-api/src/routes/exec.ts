import { clientAttach, unary } from '@ce/protocol';
import type { CreateExecResponse, ExecInspect } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { bridgeSession } from '../streams/attach-bridge.js';
import { detachKeysOf } from '../streams/detach-keys.js';
import { createExecRequest, dockerExecInspect, type DockerExecConfig } from '../streams/exec-translation.js';
import { OutputSink } from '../streams/output-sink.js';
import { terminalSize } from '../streams/terminal-size.js';

const inspectExec = (ctx: RequestContext, execId: string, wait = false) => unary<ExecInspect>((cb) => ctx.engine.containers.inspectExec({ execId, wait }, cb));

/** POST /containers/{id}/exec: 201 {"Id"}; 409 when the container is not running, in dockerd's words (ced's). */
async function createExec(ctx: RequestContext): Promise<void> {
  const request = createExecRequest(ctx.param('id'), await ctx.jsonBody<DockerExecConfig>());
  const created = await unary<CreateExecResponse>((cb) => ctx.engine.containers.createExec(request, cb));
  ctx.json(201, { Id: created.id });
}

/**
 * POST /exec/{id}/start: detached, 200 once it runs; else the connection is
 * taken over (101 on an upgrade) and carries the process's stdio, framed
 * unless the start asks for a TTY, until it ends. ced's attach is in place
 * and the process started before the reply, so nothing it writes is lost
 * and the client's first resize finds it running. A process that cannot
 * start gets its reason on the stream, as dockerd writes it, and ExitCode 126.
 */
async function startExec(ctx: RequestContext): Promise<void> {
  const execId = ctx.param('id');
  const body = await ctx.jsonBody<{ Detach?: boolean; Tty?: boolean }>();
  const exec = await inspectExec(ctx, execId);
  if (body.Detach === true) {
    await unary((cb) => ctx.engine.containers.startExec({ execId, detach: true }, cb));
    ctx.empty(200);
    return;
  }
  const session = clientAttach(ctx.engine.containers.attach(), { id: exec.containerId, execId, stdin: exec.openStdin, stdout: exec.openStdout, stderr: exec.openStderr });
  try {
    await session.ready;
  } catch (err) {
    session.close();
    throw err;
  }
  let failure: Error | undefined;
  try {
    await unary((cb) => ctx.engine.containers.startExec({ execId, detach: false }, cb));
  } catch (err) {
    failure = err as Error;
  }
  const stream = ctx.hijack();
  const sink = new OutputSink(stream.output, body.Tty !== true);
  try {
    if (failure) {
      session.close();
      await sink.write({ stream: 'stdout', data: Buffer.from(`${failure.message}\r\n`) });
      return;
    }
    const end = await bridgeSession(session, stream, sink, { stdin: exec.openStdin, detachKeys: detachKeysOf(exec.detachKeys), closeStdinOnEnd: !exec.tty });
    // The client reads the exit code as soon as the stream ends (docker exec does): ced must have it by then, as dockerd does.
    if (end === 'output-ended') await inspectExec(ctx, execId, true);
  } finally {
    stream.close();
  }
}

export function registerExecRoutes(router: Router): void {
  router.post('/containers/{id}/exec', createExec);
  router.post('/exec/{id}/start', startExec);
  router.get('/exec/{id}/json', async (ctx) => ctx.json(200, dockerExecInspect(await inspectExec(ctx, ctx.param('id')))));
  router.post('/exec/{id}/resize', async (ctx) => {
    const { width, height } = terminalSize(ctx);
    await unary((cb) => ctx.engine.containers.resize({ id: '', execId: ctx.param('id'), width, height }, cb));
    ctx.empty(200);
  });
}
