// `ce ps --filter`, `-n` and `-l`: shared with the Docker API's container list.
export { listsAll, matchesPsFilters, parsePsFilters, PsFilterError, selectContainers, validatePsFilters, type PsFilters } from '@ce/protocol/container-list';
