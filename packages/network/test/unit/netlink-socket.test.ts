// The request/answer protocol of NetlinkSocket over a fake kernel.
import { describe, expect, it } from 'vitest';
import { stringAttr } from '../../src/netlink/attributes.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP_INTR, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, RTM_GETLINK, RTM_NEWLINK } from '../../src/netlink/constants.js';
import { kernelRefusal } from '../../src/netlink/errors.js';
import { decodeMessages, encodeIfInfo, encodeMessage } from '../../src/netlink/messages.js';
import { NetlinkRequestError, NetlinkSocket, type NetlinkTransport } from '../../src/netlink/socket.js';

/** A kernel that answers each request with what `answer` makes of its sequence number. */
function fakeKernel(answer: (seq: number, call: number) => Buffer[]): NetlinkTransport & { sent: Buffer[] } {
  const queue: Buffer[] = [];
  const sent: Buffer[] = [];
  return {
    sent,
    send(d) {
      const [m] = decodeMessages(Buffer.from(d));
      sent.push(Buffer.from(d));
      queue.push(...answer(m!.seq, sent.length));
    },
    receive() {
      const next = queue.shift();
      if (!next) throw Object.assign(new Error('recvmsg: timed out'), { code: 'ETIMEDOUT', syscall: 'recvmsg' });
      return next;
    },
    close() {},
  };
}

function errorMessage(seq: number, errno: number, text?: string): Buffer {
  const status = Buffer.alloc(4);
  status.writeInt32LE(-errno);
  const request = encodeMessage(RTM_NEWLINK, 0, seq, []); // the capped request header
  if (!text) return encodeMessage(NLMSG_ERROR, NLM_F_CAPPED, seq, [status, request]);
  return encodeMessage(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, seq, [status, request, stringAttr(1, text)]);
}

const ack = (seq: number) => encodeMessage(NLMSG_ERROR, NLM_F_CAPPED, seq, [Buffer.alloc(4), encodeMessage(RTM_NEWLINK, 0, seq, [])]);
const done = (seq: number) => encodeMessage(NLMSG_DONE, NLM_F_MULTI, seq, [Buffer.alloc(4)]);
const link = (seq: number, flags = NLM_F_MULTI) => encodeMessage(RTM_NEWLINK, flags, seq, [encodeIfInfo({ index: 1 }), stringAttr(3, 'lo')]);

describe('NetlinkSocket', () => {
  it('returns on the ack of its own request and skips answers to older ones', () => {
    const kernel = fakeKernel((seq) => [Buffer.concat([ack(seq - 1), ack(seq)])]);
    const socket = new NetlinkSocket(kernel);
    expect(socket.request(RTM_NEWLINK, 0, [encodeIfInfo()])).toEqual([]);
    const [first] = decodeMessages(kernel.sent[0]!);
    expect(first!.flags).toBe(5); // NLM_F_REQUEST | NLM_F_ACK
  });

  it('throws the errno with the kernel’s extended-ack text', () => {
    const socket = new NetlinkSocket(fakeKernel((seq) => [errorMessage(seq, 95, 'Unknown device type')]));
    let caught: unknown;
    try {
      socket.request(RTM_NEWLINK, 0, [encodeIfInfo()]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NetlinkRequestError);
    expect(caught).toMatchObject({ errno: 95, code: 'EOPNOTSUPP', kernelMessage: 'Unknown device type' });
    const refusal = kernelRefusal('create link x', caught);
    expect(refusal).toMatchObject({ code: 'FailedPrecondition', errno: 'EOPNOTSUPP', message: 'create link x: operation not supported (Unknown device type)' });
  });

  it('collects a dump across datagrams until NLMSG_DONE', () => {
    const socket = new NetlinkSocket(fakeKernel((seq) => [link(seq), Buffer.concat([link(seq), done(seq)])]));
    expect(socket.dump(RTM_GETLINK, [encodeIfInfo()])).toHaveLength(2);
  });

  it('retries a dump the kernel marks interrupted', () => {
    const socket = new NetlinkSocket(
      fakeKernel((seq, call) => [Buffer.concat([link(seq, call === 1 ? NLM_F_MULTI | NLM_F_DUMP_INTR : NLM_F_MULTI), done(seq)])]),
    );
    const messages = socket.dump(RTM_GETLINK, [encodeIfInfo()]);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.flags & NLM_F_DUMP_INTR).toBe(0);
  });

  it('maps a receive timeout to DeadlineExceeded', () => {
    const socket = new NetlinkSocket(fakeKernel(() => []), 10);
    let caught: unknown;
    try {
      socket.request(RTM_NEWLINK, 0, []);
    } catch (err) {
      caught = err;
    }
    expect(kernelRefusal('set link x up', caught)).toMatchObject({ code: 'DeadlineExceeded', op: 'recvmsg' });
  });
});
