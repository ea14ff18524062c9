export type * from './types.js';
export { parseDockerfile, type ParseOptions } from './parser.js';
export { DockerfileParseError } from './errors.js';
export { parseOnbuildTrigger } from './onbuild.js';
export { expandInstruction } from './expand.js';
export { ExpansionError, envLookup, processWord, processWords, type Lookup } from './shell-lexer.js';
export { parseWords } from './words.js';
export { BuildArgs, PREDEFINED_BUILD_ARGS, type BuildArgOptions } from './build-args.js';
export { BuildStageError, resolveCopyFrom, resolveFrom, selectStages, stageNameInUse, type StageOrImage } from './stages.js';
export {
  ContextFilter,
  PatternMatcher,
  buildFilesToRemove,
  cleanPath,
  keepBuildFiles,
  readDockerignore,
  type IgnorePattern,
  type WalkDecision,
} from './dockerignore.js';
export { parseGoDuration } from './duration.js';
