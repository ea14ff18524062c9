import { clientAttach, invalidArgument, type AttachSession } from '@ce/protocol';
import { WebSocketServer } from 'ws';
import type { HijackedStream, RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { bridgeSession } from '../streams/attach-bridge.js';
import { containerFacts, type ContainerFacts } from '../streams/container-facts.js';
import { detachKeysOf } from '../streams/detach-keys.js';
import { replayLogs } from '../streams/log-replay.js';
import { OutputSink } from '../streams/output-sink.js';
import { websocketStream } from '../streams/websocket-stream.js';

/** What an attach asks for, as dockerd's postContainersAttach reads it; stdin only if the container keeps it open. */
function attachRequest(ctx: RequestContext, container: ContainerFacts) {
  return {
    stdin: ctx.queryBool('stdin') && container.openStdin,
    stdout: ctx.queryBool('stdout'),
    stderr: ctx.queryBool('stderr'),
    logs: ctx.queryBool('logs'),
    stream: ctx.queryBool('stream'),
  };
}

/**
 * Serves one attach on a stream taken over from the request. ced's attach is
 * in place before the reply goes out, so a client that starts the container
 * once it has the reply (docker run, docker start -a) loses no output.
 */
async function serveAttach(ctx: RequestContext, takeOver: (container: ContainerFacts) => HijackedStream | Promise<HijackedStream>, multiplex: boolean): Promise<void> {
  // dockerode sends its options as a JSON body too; the query is what counts.
  await ctx.discardBody();
  const detachKeys = detachKeysOf(ctx.query.get('detachKeys'));
  const container = await containerFacts(ctx.engine, ctx.param('id'));
  const wanted = attachRequest(ctx, container);
  let session: AttachSession | undefined;
  if (wanted.stream) {
    session = clientAttach(ctx.engine.containers.attach(), { id: container.id, stdin: wanted.stdin, stdout: wanted.stdout, stderr: wanted.stderr });
    try {
      await session.ready;
    } catch (err) {
      session.close();
      throw err;
    }
  }
  let stream: HijackedStream;
  try {
    stream = await takeOver(container);
  } catch (err) {
    session?.close();
    throw err;
  }
  const sink = new OutputSink(stream.output, multiplex && !container.tty);
  try {
    if (wanted.logs) await replayLogs(ctx.engine, container.id, wanted, sink);
    if (session) {
      await bridgeSession(session, stream, sink, { stdin: wanted.stdin, detachKeys, closeStdinOnEnd: container.stdinOnce && !container.tty });
    }
  } finally {
    session?.close();
    stream.close();
  }
}

const websockets = new WebSocketServer({ noServer: true });

export function registerContainerAttachRoutes(router: Router): void {
  // POST /containers/{id}/attach: hijacked (Upgrade: tcp, as the docker CLI asks) or plain HTTP.
  router.post('/containers/{id}/attach', (ctx) => serveAttach(ctx, () => ctx.hijack(), true));
  // GET /containers/{id}/attach/ws: the same streams as websocket messages, never multiplexed.
  router.get('/containers/{id}/attach/ws', (ctx) => {
    if (ctx.req.headers.upgrade?.toLowerCase() !== 'websocket') throw invalidArgument('this endpoint takes a websocket connection (Upgrade: websocket)');
    return serveAttach(
      ctx,
      () =>
        new Promise<HijackedStream>((resolve, reject) => {
          const { socket, head } = ctx.takeUpgrade();
          // A handshake ws refuses is answered (400) and closed there, without a callback.
          socket.once('close', () => reject(new Error('websocket handshake refused')));
          websockets.handleUpgrade(ctx.req, socket, head, (ws) => resolve(websocketStream(ws, ctx.apiVersion)));
        }),
      false,
    );
  });
}
