export { startCri, CRI_NAMESPACE, type CriOptions, type CriServer } from './server.js';
export { dialCeServices, withLocalServices, type CeServices, type LocalCeServices } from './ce-services.js';
export { CRI_API_VERSION, RUNTIME_NAME } from './runtime-service.js';
export { PAUSE_IMAGE, pauseBinaryPath, pauseImageLayout, ensurePauseImage } from './pause-image.js';
export type { ContainerEventKind, ContainerEventSink } from './events/container-event-sink.js';
