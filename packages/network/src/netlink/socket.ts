// One rtnetlink socket: requests with their own sequence numbers, answered
// synchronously (the kernel handles a request within the sendto, so the
// answer is queued when it returns; the receive timeout is a safety net).
// A request ends at its NLMSG_ERROR (an ack when the error is 0) or, for a
// dump, at NLMSG_DONE. Answers to other sequence numbers (left by an earlier
// request that failed half-way) are skipped.
import { constants } from 'node:os';
import { netlinkClose, netlinkOpen, netlinkRecv, netlinkSend } from '@ce/native';
import { parseAttributes, readString } from './attributes.js';
import {
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_MSG,
} from './constants.js';
import { decodeMessages, encodeMessage, type NetlinkMessage } from './messages.js';

/** How datagrams reach the kernel; the native socket, or a fake in unit tests. */
export interface NetlinkTransport {
  send(datagram: Uint8Array): void;
  receive(timeoutMs: number): Buffer;
  close(): void;
}

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The kernel refused a request: errno (positive) and its extended-ack text, if any. */
export class NetlinkRequestError extends Error {
  override name = 'NetlinkRequestError';
  readonly code: string;
  constructor(
    readonly errno: number,
    readonly kernelMessage?: string,
  ) {
    const code = errnoNames.get(errno) ?? `errno ${errno}`;
    super(kernelMessage ? `${code}: ${kernelMessage}` : code);
    this.code = code;
  }
}

const DUMP_ATTEMPTS = 5;

export class NetlinkSocket {
  private seq: number;
  private closed = false;

  constructor(
    private readonly transport: NetlinkTransport,
    private readonly timeoutMs = 5000,
  ) {
    this.seq = Math.floor(Date.now() / 1000) & 0xffffff;
  }

  /** A socket in ced's network namespace or, with `netns`, in the namespace pinned there. */
  static open(netns?: string, timeoutMs?: number): NetlinkSocket {
    const fd = netlinkOpen(netns ?? null);
    return new NetlinkSocket(
      {
        send: (d) => netlinkSend(fd, d),
        receive: (t) => netlinkRecv(fd, t),
        close: () => netlinkClose(fd),
      },
      timeoutMs,
    );
  }

  /** Sends a request that changes something and waits for its ack; returns what came before the ack. */
  request(type: number, flags: number, parts: readonly Uint8Array[]): NetlinkMessage[] {
    return this.exchange(type, NLM_F_REQUEST | NLM_F_ACK | flags, parts);
  }

  /**
   * A dump (NLM_F_DUMP): every message up to NLMSG_DONE. A dump the kernel
   * marks inconsistent (NLM_F_DUMP_INTR: the table changed meanwhile) is retried.
   */
  dump(type: number, parts: readonly Uint8Array[]): NetlinkMessage[] {
    for (let attempt = 1; ; attempt++) {
      const messages = this.exchange(type, NLM_F_REQUEST | NLM_F_DUMP, parts);
      if (!messages.some((m) => m.flags & NLM_F_DUMP_INTR) || attempt === DUMP_ATTEMPTS) return messages;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }

  private exchange(type: number, flags: number, parts: readonly Uint8Array[]): NetlinkMessage[] {
    if (this.closed) throw new Error('netlink socket is closed');
    this.seq = (this.seq + 1) >>> 0;
    const seq = this.seq;
    this.transport.send(encodeMessage(type, flags, seq, parts));
    const replies: NetlinkMessage[] = [];
    for (;;) {
      for (const message of decodeMessages(this.transport.receive(this.timeoutMs))) {
        if (message.seq !== seq) continue;
        if (message.type === NLMSG_ERROR) {
          const failure = decodeError(message);
          if (failure) throw failure;
          return replies;
        }
        if (message.type === NLMSG_DONE) {
          // A dump may end with an error in place of its data (e.g. an unsupported family).
          const status = message.payload.length >= 4 ? message.payload.readInt32LE(0) : 0;
          if (status < 0) throw new NetlinkRequestError(-status);
          return replies;
        }
        replies.push(message);
      }
    }
  }
}

/**
 * struct nlmsgerr: an int (0 for an ack, -errno for a failure), the request's
 * header (and body, unless NLM_F_CAPPED), then extended-ack attributes when
 * NLM_F_ACK_TLVS is set.
 */
export function decodeError(message: NetlinkMessage): NetlinkRequestError | null {
  const status = message.payload.readInt32LE(0);
  if (status === 0) return null;
  let kernelMessage: string | undefined;
  if (message.flags & NLM_F_ACK_TLVS) {
    const request = message.payload.subarray(4);
    const requestLen = message.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : request.readUInt32LE(0);
    const tlvStart = 4 + ((requestLen + 3) & ~3);
    kernelMessage = readString(parseAttributes(message.payload, tlvStart).get(NLMSGERR_ATTR_MSG));
  }
  return new NetlinkRequestError(-status, kernelMessage);
}
