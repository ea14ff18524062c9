export * from './errors/index.js';
export { toStatusObject, fromServiceError, grpcStatusOfCode } from './grpc-status.js';
export { adaptService, type PromiseService, type CallContext } from './service-adapter.js';
export { serveListeningFd, serveUnix, type ServeUnixOptions, type UnixServer } from './unix-server.js';
export { takeListenFds, unixSocketPath } from './listen-fds.js';
export { dialUnix, unary, readStream } from './unix-client.js';
export { localClient, type MessageCopies } from './local-client.js';
export { socketListens } from './socket-listens.js';
export {
  serveAttach,
  clientAttach,
  OutputQueue,
  Broadcaster,
  outputFlow,
  OUTPUT_HIGH_WATER,
  type QueueFlow,
  type AttachSession,
  type AttachOptions,
  type OutputChunk,
  type StreamName,
} from './attach.js';
export { DeferredAttach } from './deferred-attach.js';
export type { Logger } from './logger.js';
export {
  logOptsToMap,
  resolveLogConfig,
  logSettings,
  logFileName,
  fromHumanSize,
  LogConfigError,
  type LogConfig,
  type LogSettings,
  type LogDriverName,
} from './log-config.js';
export { encodeLocalEntry, decodeLocalEntry, wholeFramesEnd, LOCAL_FRAME_OVERHEAD, type LocalLogEntry } from './local-log-format.js';
export { rotationStatePath, formatRotationState, parseRotationState, rotatedNames, type RotationState } from './log-rotation-state.js';
export { DEFAULT_DETACH_KEYS, DetachKeyFilter, parseDetachKeys } from './detach-keys.js';
export { BUILD_CACHE_REPOSITORY, BUILD_NAMESPACE, DEFAULT_NAMESPACE, NAMESPACE_ANNOTATION, NAMESPACE_LABEL, OWNER_ANNOTATION, OWNER_LABEL, namespaceProblem } from './namespaces.js';
export { toDockerMessage, dockerEventJson, compareGoStrings, type DockerEventMessage } from './docker-event-message.js';
export { filterImages, globRegExp } from './image-filter.js';
export { uploadStream, type UploadCall } from './upload-stream.js';
export { searchResultFilter } from './search-filter.js';
export { Laps } from './laps.js';
