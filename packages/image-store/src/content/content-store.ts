// The content store's face (containerd's content.Store): blobs by digest,
// written with an expected digest and verified before they become visible.
// FileContentStore implements it on plain files; ContentGrpcClient over
// ce.content.v1.Content. Callers that only read take a ContentReader.
import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';

export interface ContentInfo {
  digest: Digest;
  size: number;
  /** When the blob was committed (its file's mtime). */
  createdAt: Date;
  /** Labels kept beside the blob (e.g. the gc labels, see GC_LABELS); empty when none. */
  labels: Record<string, string>;
}

/** What is known in advance about a blob being written; verified on commit. */
export interface Expected {
  digest?: string;
  size?: number;
  /** Labels the blob gets when it is committed. */
  labels?: Record<string, string>;
}

/** A byte range of a blob: `offset` bytes skipped, then at most `length` (default: to the end). */
export interface ReadRange {
  offset?: number;
  length?: number;
}

/** Read access to blobs; the content store, and an in-memory set of blobs, provide it. */
export interface ContentReader {
  info(digest: string): Promise<ContentInfo>;
  readBlob(digest: string): Promise<Buffer>;
  readStream(digest: string, range?: ReadRange): Promise<Readable>;
}

export type ByteSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** How a blob is written (hints an implementation may ignore). */
export interface IngestOptions {
  /**
   * Start writing a big blob back to disk while it is written, so that the
   * flush at its commit finds little left: for a writer that produces the
   * bytes itself (commit's layer), not for one that shares the disk with
   * other writes of its own (a pull's layers being extracted).
   */
  writeBehind?: boolean;
}

/** Called with a blob's digest before it is committed (or found committed): where a writer leases it. */
export type BeforeCommit = (digest: Digest) => Promise<void>;

/** One blob being written: nothing is visible until commit() has checked its size and digest. */
export interface BlobWriter {
  /** Bytes written so far (a resumed ingest starts with what was already there). */
  readonly offset: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Verifies size and digest against what was expected and commits; a mismatch leaves nothing. */
  commit(beforeCommit?: BeforeCommit): Promise<ContentInfo>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

/** Which blobs walk() visits: Docker's label filter terms, "key" or "key=value", all of which must match. */
export interface ContentFilter {
  labels?: string[];
}

/** A write in progress, or left, in the ingest folder (containerd's content.Status). */
export interface IngestStatus {
  /** Its name in the ingest folder: sha256-<hex> for a resumable download, random for others. */
  ref: string;
  /** Bytes written so far. */
  offset: number;
  /** The digest it is written for, when its name says (resumable downloads). */
  expected?: Digest;
  updatedAt: Date;
  /** True while a writer holds it. */
  active: boolean;
}

export interface ContentStore extends ContentReader {
  /** NotFound "content sha256:… not found" when the blob is not committed. */
  info(digest: string): Promise<ContentInfo>;
  exists(digest: string): Promise<boolean>;
  /** Sets the given labels on the blob (an empty value removes that label); the others stay. */
  update(digest: string, labels: Record<string, string>): Promise<ContentInfo>;
  writer(expected?: Expected): Promise<BlobWriter>;
  /** Writes a blob from bytes or a stream of chunks; resolves once it is committed. */
  ingest(source: ByteSource, expected?: Expected, beforeCommit?: BeforeCommit, options?: IngestOptions): Promise<ContentInfo>;
  delete(digest: string): Promise<void>;
  /** Writes in progress or left behind (`ref`: that one only; NotFound when it is not there). */
  status(ref?: string): Promise<IngestStatus[]>;
  /** Visits every committed blob the filter matches. */
  walk(visit: (info: ContentInfo) => void | Promise<void>, filter?: ContentFilter): Promise<void>;
}

/**
 * Labels the garbage collector follows (containerd's containerd.io/gc.*):
 * a blob labelled `ce.gc.root` is kept although no image reaches it, and
 * `ce.gc.ref.content` or `ce.gc.ref.content.<anything>` name a digest that
 * is kept as long as the labelled blob is. A snapshot labelled `ce.gc.root`
 * is kept with its parents.
 */
export const GC_LABELS = {
  root: 'ce.gc.root',
  contentRef: 'ce.gc.ref.content',
} as const;

/** The digests a blob's labels reference (GC_LABELS.contentRef and its dotted variants). */
export function contentRefs(labels: Record<string, string>): string[] {
  return Object.entries(labels)
    .filter(([key]) => key === GC_LABELS.contentRef || key.startsWith(`${GC_LABELS.contentRef}.`))
    .map(([, digest]) => digest);
}
