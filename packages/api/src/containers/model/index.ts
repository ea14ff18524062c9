export * from './docker-types.js';
export { mergeContainerConfig, mergeHostConfig, mergeImageEnv, type CreateRequestConfig } from './create-config.js';
export { createdState, defaultHostConfig, defaultNetworks, networkSettingsFor, DEFAULT_RUNTIME, DEFAULT_SHM_SIZE } from './defaults.js';
export { exitedState, failedStartState, runningState, withStatus } from './state.js';
export { toContainerJSON } from './container-json.js';
export { newContainerRecord, type NewRecordFields } from './new-record.js';
