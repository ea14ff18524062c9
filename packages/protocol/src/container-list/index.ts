// What a container list shows, shared by `ce ps` and the Docker API's
// GET /containers/json: status lines, commands, and ps's filters. Pure: no grpc-js.
export { humanDuration } from './human-duration.js';
export { dockerCommand, statusText, type StatusFacts } from './container-status.js';
export { listsAll, matchesPsFilters, parsePsFilters, PsFilterError, selectContainers, validatePsFilters, type ListedContainer, type PsFilters } from './container-filters.js';
