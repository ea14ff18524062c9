// DNS messages the embedded server writes, with dns-packet: replies to a
// query (miekg/dns's SetReply as libnetwork uses it) and their truncation to
// what the client can take.
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';
import type { Transport } from './upstream.js';

/** libnetwork's TTL of the names it answers. */
export const RESPONSE_TTL = 600;
/** The UDP size every client takes (RFC 1035) and libnetwork's floor. */
export const DEFAULT_UDP_SIZE = 512;
const TCP_MAX_SIZE = 65535 - 1;

const OPCODE_MASK = 0xf << 11;
const RCODE_MASK = 0xf;
export const RCODE_SERVFAIL = 2;

export interface Query {
  packet: DecodedPacket;
  question: Question;
}

/** The query in a datagram or TCP frame; undefined for a response, a malformed message or one without a question. */
export function decodeQuery(message: Buffer): Query | undefined {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  const question = packet.questions?.[0];
  if (packet.type !== 'query' || !question) return undefined;
  return { packet, question };
}

/** A reply: the query's id, opcode, RD and CD, recursion available, the first question, the answers. */
export function reply(query: Query, answers: Answer[] = [], rcode = 0): Buffer {
  const queryFlags = query.packet.flags ?? 0;
  const flags =
    (queryFlags & (OPCODE_MASK | dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED)) |
    (rcode === 0 ? dnsPacket.RECURSION_AVAILABLE : 0) |
    (rcode & RCODE_MASK);
  return dnsPacket.encode({ id: query.packet.id, type: 'response', flags, questions: [query.question], answers });
}

export function servfail(query: Query): Buffer {
  return reply(query, [], RCODE_SERVFAIL);
}

/** What the client takes: over TCP a whole message, over UDP its EDNS size (at least 512). */
export function maxResponseSize(query: Query, transport: Transport): number {
  if (transport === 'tcp') return TCP_MAX_SIZE;
  const opt = query.packet.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(opt?.udpPayloadSize ?? 0, DEFAULT_UDP_SIZE);
}

/**
 * A response cut to `maxSize`: records dropped from the end (extra, then
 * authority, then answers) until it fits, with the TC bit over UDP, so the
 * client asks again over TCP. A response that cannot be decoded keeps only
 * its question.
 */
export function fitResponse(response: Buffer, query: Query, maxSize: number, transport: Transport): Buffer {
  if (response.length <= maxSize) return response;
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(response);
  } catch {
    const flags = (response.readUInt16BE(2) & 0x7fff) | dnsPacket.TRUNCATED_RESPONSE;
    return dnsPacket.encode({ id: query.packet.id, type: 'response', flags, questions: [query.question] });
  }
  const cut = {
    id: packet.id,
    type: 'response' as const,
    flags: (packet.flags ?? 0) | (transport === 'udp' ? dnsPacket.TRUNCATED_RESPONSE : 0),
    questions: packet.questions ?? [],
    answers: [...(packet.answers ?? [])],
    authorities: [...(packet.authorities ?? [])],
    additionals: [...(packet.additionals ?? [])],
  };
  while (dnsPacket.encodingLength(cut) > maxSize) {
    if (cut.additionals.length > 0) cut.additionals.pop();
    else if (cut.authorities.length > 0) cut.authorities.pop();
    else if (cut.answers.length > 0) cut.answers.pop();
    else break;
  }
  return dnsPacket.encode(cut);
}
