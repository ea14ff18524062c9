// The grammar is @ce/protocol's (pure, shared with the CLI).
export {
  DEFAULT_DOMAIN,
  LEGACY_DEFAULT_DOMAIN,
  OFFICIAL_REPO_PREFIX,
  DEFAULT_TAG,
  NAME_TOTAL_LENGTH_MAX,
  Reference,
  parseReference,
  normalizeReference,
  familiarReference,
  isIdLike,
  type ParseOptions,
} from '@ce/protocol/reference';
