import type { SearchResult } from './search.js';
import type { LeaseManager } from '../leases/types.js';
import type { Platform } from '../oci/types.js';
import type { ImageInfo } from '../types.js';
import type { Logger } from '../util/logger.js';

// A user name and password (or identity token) for one registry: @ce/protocol's, shared with the CLI.
import type { RegistryCredentials } from '@ce/protocol/registry-auth';
export type { RegistryCredentials };

/** Finds the credentials for a registry host ("docker.io", "127.0.0.1:5000"); undefined: anonymous. */
export type CredentialsLookup = (host: string) => RegistryCredentials | undefined;

/** How to reach registries: transport security, mirrors, credentials. */
export interface RegistryOptions {
  /**
   * Hosts ("host:port", or CIDRs such as "10.0.0.0/8") reached over plain HTTP,
   * as Docker's `insecure-registries`. localhost and 127.0.0.0/8 always are.
   */
  insecureRegistries?: string[];
  /**
   * Docker's certs.d folder: `<certsDir>/<host:port>/*.crt` are CAs trusted
   * for that registry (default /etc/docker/certs.d; ce's own: pass /etc/ce/certs.d).
   */
  certsDir?: string;
  /** Extra CA certificates (PEM) trusted for every registry, beside the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Mirrors by registry host ("docker.io" → ["https://mirror.example"]), tried
   * in order before the registry itself.
   */
  mirrors?: Record<string, string[]>;
  credentials?: CredentialsLookup | Record<string, RegistryCredentials>;
  userAgent?: string;
  /** Attempts per request on connection errors and 5xx answers (default 4). */
  retries?: number;
  /** First backoff between attempts, doubled each time (default 250 ms). */
  retryBackoffMs?: number;
  logger?: Logger;
}

/** Docker's per-layer statuses, as `docker pull` prints them. */
export type ProgressStatus =
  | 'Resolving'
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Extracting'
  | 'Pull complete'
  | 'Already exists'
  | 'Preparing'
  | 'Pushing'
  | 'Pushed'
  | 'Layer already exists'
  | 'Mounted from';

export interface ProgressEvent {
  /** The layer's short id (12 hex digits of its digest), or empty for image-wide messages. */
  id: string;
  status: ProgressStatus | string;
  /** Bytes done and total, for Downloading/Pushing/Extracting. */
  current?: number;
  total?: number;
}

export type ProgressCallback = (event: ProgressEvent) => void;

export interface PullOptions {
  /** The platform to pick from a multi-platform image (default: the store's). */
  platform?: Platform;
  onProgress?: ProgressCallback;
  /** Layers downloaded at once (default 3, as Docker's max-concurrent-downloads). */
  concurrency?: number;
  /** Layers extracted at once, as their downloads complete (default 2). */
  unpackConcurrency?: number;
  /** Largest manifest or index accepted, in bytes (default 4 MiB). */
  maxManifestBytes?: number;
  /** An extra lease manager that also holds what the pull commits until its image record is written (the store's own leases always do). */
  leases?: LeaseManager;
  signal?: AbortSignal;
  /** Per-call credentials, e.g. sent by the CLI with the request (override the registry options'). */
  credentials?: RegistryCredentials;
}

export interface PushOptions {
  onProgress?: ProgressCallback;
  /** Layers uploaded at once (default 5, as Docker's max-concurrent-uploads). */
  concurrency?: number;
  /** Upload blobs larger than this in PATCH chunks of this size, then a closing PUT (default 0: one monolithic PUT per blob). */
  chunkSize?: number;
  signal?: AbortSignal;
  credentials?: RegistryCredentials;
}

export interface PullResult {
  /** The normalised name the image was recorded under. */
  name: string;
  /** The digest of the manifest or index pulled (what `Digest:` prints). */
  digest: string;
  /** false when the image was already there with the same target ("Image is up to date"). */
  updated: boolean;
}

export interface PushResult {
  name: string;
  /** The digest of the manifest pushed. */
  digest: string;
  size: number;
}

/** Registry operations of an image store: implemented by ImageStore and, over gRPC, by ImagesGrpcClient. */
export interface RegistryService {
  pull(reference: string, options?: PullOptions): Promise<PullResult & { image: ImageInfo }>;
  push(reference: string, options?: PushOptions): Promise<PushResult>;
  /** Checks credentials against a registry ("" or "docker.io": Docker Hub); resolves when it accepts them. */
  login(server: string, credentials: RegistryCredentials): Promise<void>;
  /** docker search over a registry's catalog: "HOST[:PORT]/TERM", at most `limit` results. */
  search(term: string, limit: number): Promise<SearchResult[]>;
  /** The tags of a repository ("localhost:5000/team/app") in its registry, every page (docker pull --all-tags). */
  listTags(repository: string, options?: { credentials?: RegistryCredentials; signal?: AbortSignal }): Promise<string[]>;
}
