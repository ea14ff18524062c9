// Docker's image reference grammar and normalisation (distribution/reference):
//   busybox            → docker.io/library/busybox:latest
//   user/repo          → docker.io/user/repo:latest
//   host:5000/repo:tag → host:5000/repo:tag
//   repo@sha256:…      → docker.io/library/repo@sha256:…
// and the familiar (short) form Docker prints: hello-world:latest.
import { invalidArgument } from '../errors/index.js';
import { parseDigest, type Digest } from './digest.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
export const NAME_TOTAL_LENGTH_MAX = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const ANCHORED_ID = /^[a-f0-9]{64}$/;

/** A parsed, normalised image reference. */
export class Reference {
  constructor(
    /** Registry host, with port: "docker.io", "localhost:5000". */
    readonly domain: string,
    /** Repository path inside the registry: "library/busybox". */
    readonly path: string,
    readonly tag?: string,
    readonly digest?: Digest,
  ) {}

  /** The repository: "docker.io/library/busybox". */
  get name(): string {
    return `${this.domain}/${this.path}`;
  }

  /** "docker.io/library/busybox:latest", "docker.io/library/busybox@sha256:…". */
  toString(): string {
    return `${this.name}${this.tag !== undefined ? `:${this.tag}` : ''}${this.digest ? `@${this.digest}` : ''}`;
  }

  /** The repository as Docker prints it: "busybox", "user/repo", "localhost:5000/repo". */
  get familiarName(): string {
    if (this.domain !== DEFAULT_DOMAIN) return this.name;
    const rest = this.path.slice(OFFICIAL_REPO_PREFIX.length);
    return this.path.startsWith(OFFICIAL_REPO_PREFIX) && !rest.includes('/') ? rest : this.path;
  }

  /** The whole reference as Docker prints it: "hello-world:latest". */
  familiar(): string {
    return `${this.familiarName}${this.tag !== undefined ? `:${this.tag}` : ''}${this.digest ? `@${this.digest}` : ''}`;
  }

  withTag(tag: string): Reference {
    if (!TAG.test(tag)) throw badTag(tag, tag);
    return new Reference(this.domain, this.path, tag, undefined);
  }
}

const badFormat = (input: string, why: string) => invalidArgument(`invalid reference format "${input}": ${why}`);
const badTag = (input: string, tag: string) =>
  badFormat(input, `tag "${tag}" must be 1 to 128 characters of [A-Za-z0-9_.-] and may not start with "." or "-"`);

export interface ParseOptions {
  /** Add ":latest" when the reference has neither tag nor digest (default true). */
  defaultTag?: boolean;
}

/**
 * Parses and normalises a reference the way `docker pull` does. Throws a
 * CeError InvalidArgument naming what is wrong.
 */
export function parseReference(input: string, options: ParseOptions = {}): Reference {
  if (typeof input !== 'string' || input === '') throw invalidArgument('invalid reference format: the reference is empty');
  if (ANCHORED_ID.test(input)) {
    throw badFormat(input, 'a repository name cannot be a 64-digit hexadecimal string (that is an image id)');
  }
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    try {
      digest = parseDigest(d);
    } catch (err) {
      throw badFormat(input, `bad digest "${d}": ${(err as Error).message.replace(/^invalid digest "[^"]*": /, '')}`);
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw badTag(input, tag);
  }
  if (rest === '') throw badFormat(input, 'the repository name is empty');

  // Docker's splitDockerDomain: the first component is a registry host when it
  // has a "." or ":", is "localhost", or has uppercase letters.
  let domain: string;
  let path: string;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = rest;
  } else {
    domain = first;
    path = rest.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;

  if (!DOMAIN.test(domain)) throw badFormat(input, `"${domain}" is not a valid registry host`);
  if (/[A-Z]/.test(path)) throw badFormat(input, `repository name "${path}" must be lowercase`);
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw badFormat(
        input,
        component === ''
          ? 'the repository name has an empty path component'
          : `"${component}" is not a valid repository name component (lowercase letters, digits and single separators ".", "_", "__", "-")`,
      );
    }
  }
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    throw badFormat(input, `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (tag === undefined && digest === undefined && options.defaultTag !== false) tag = DEFAULT_TAG;
  return new Reference(domain, path, tag, digest);
}

/** "busybox" → "docker.io/library/busybox:latest". */
export const normalizeReference = (input: string): string => parseReference(input).toString();

/**
 * The familiar form of a reference for messages: "hello-world:latest". Input
 * that does not parse is returned unchanged, so error messages can always use it.
 */
export function familiarReference(input: string): string {
  try {
    return parseReference(input).familiar();
  } catch {
    return input;
  }
}

/** Whether `s` could be an image id or id prefix: 4 to 64 hex digits, optionally "sha256:"-prefixed. */
export const isIdLike = (s: string): boolean => /^(?:sha256:)?[a-f0-9]{4,64}$/.test(s);
