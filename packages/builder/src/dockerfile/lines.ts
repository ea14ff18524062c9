// The first pass of Docker's Dockerfile parser (moby/buildkit
// frontend/dockerfile/parser, as Docker 20.10 vendors it): the file's lines,
// parser directives, comments and line continuations, and each
// instruction's words split as its keyword wants. Instruction rules (how
// many arguments, which flags) are the second pass (./instructions.ts).

import { DirectiveReader } from './directives.js';
import { fileError } from './errors.js';
import { notStringArray, parseJsonArgs } from './json-args.js';
import { extractBuilderFlags, isSpace, parseWords, trimLeftSpace, trimSpace, whitespaceRun } from './words.js';

export interface Node {
  /** The keyword, lower-cased. */
  cmd: string;
  /** The instruction's line, continuations joined (Docker's node.Original). */
  line: string;
  flags: string[];
  args: string[];
  /** Written in exec (JSON) form. */
  json: boolean;
  /** ONBUILD's trigger. */
  trigger?: Node;
  startLine: number;
  endLine: number;
}

type Words = Pick<Node, 'args' | 'json' | 'trigger'>;

const none: Words = { args: [], json: false };

/** Go's regexp Split(s, 2) on whitespace: the first word and everything after the first run of spaces. */
function splitOnce(s: string): string[] {
  const m = whitespaceRun.exec(s);
  return m ? [s.slice(0, m.index), s.slice(m.index + m[0].length)] : [s];
}

function maybeJson(rest: string): Words {
  if (rest === '') return none;
  const json = parseJsonArgs(rest);
  if (json.ok) return { args: json.args, json: true };
  if (json.notStringArray) throw new Error(notStringArray);
  return { args: [rest], json: false };
}

function whitespaceDelimited(rest: string): Words {
  return rest === '' ? none : { args: rest.split(whitespaceRun), json: false };
}

function maybeJsonToList(rest: string): Words {
  const json = parseJsonArgs(rest);
  if (json.ok) return { args: json.args, json: true };
  if (json.notStringArray) throw new Error(notStringArray);
  return whitespaceDelimited(rest);
}

/** ENV and LABEL: the old `KEY name value` form or `KEY name=value ...`; args are name, value, name, value... */
function nameValues(rest: string, key: string, escape: string): Words {
  const words = parseWords(rest, escape);
  if (words.length === 0) return none;
  if (!words[0]!.includes('=')) {
    const parts = splitOnce(rest);
    if (parts.length < 2) throw new Error(`${key} must have two arguments`);
    return { args: parts, json: false };
  }
  const args: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) throw new Error(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
    args.push(word.slice(0, eq), word.slice(eq + 1));
  }
  return { args, json: false };
}

/** HEALTHCHECK: the type word, then a command in either form. */
function healthConfig(rest: string): Words {
  let sep = 0;
  while (sep < rest.length && !isSpace(rest[sep]!)) sep++;
  let next = sep;
  while (next < rest.length && isSpace(rest[next]!)) next++;
  if (sep === 0) return none;
  const command = maybeJson(rest.slice(next));
  return { args: [rest.slice(0, sep), ...command.args], json: command.json };
}

function wordsFor(cmd: string, rest: string, escape: string): Words {
  switch (cmd) {
    case 'add':
    case 'copy':
    case 'volume':
      return maybeJsonToList(rest);
    case 'arg':
      return { args: parseWords(rest, escape), json: false };
    case 'cmd':
    case 'entrypoint':
    case 'run':
    case 'shell':
      return maybeJson(rest);
    case 'env':
      return nameValues(rest, 'ENV', escape);
    case 'label':
      return nameValues(rest, 'LABEL', escape);
    case 'expose':
    case 'from':
      return whitespaceDelimited(rest);
    case 'healthcheck':
      return healthConfig(rest);
    case 'maintainer':
    case 'stopsignal':
    case 'user':
    case 'workdir':
      return rest === '' ? none : { args: [rest], json: false };
    case 'onbuild': {
      if (rest === '') return none;
      const trigger = nodeFromLine(rest, escape, 0, 0);
      return { args: [trigger.cmd, trigger.line], json: false, trigger };
    }
    default:
      // Unknown keywords are refused by the second pass, with the line.
      return none;
  }
}

function nodeFromLine(line: string, escape: string, startLine: number, endLine: number): Node {
  const parts = splitOnce(trimSpace(line));
  const cmd = parts[0]!.toLowerCase();
  let flags: string[] = [];
  let rest = '';
  if (parts.length === 2) {
    const extracted = extractBuilderFlags(parts[1]!);
    flags = extracted.flags;
    rest = trimSpace(extracted.rest);
  }
  return { cmd, line, flags, ...wordsFor(cmd, rest, escape), startLine, endLine };
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith('#');
}

/** The file's lines as Go's bufio.Scanner gives them: split on \n, a trailing \r dropped. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export interface ReadLines {
  escape: '\\' | '`';
  syntax?: string;
  nodes: Node[];
  warnings: string[];
}

export function readLines(text: string, fileName: string): ReadLines {
  const directives = new DirectiveReader();
  const lines = splitLines(text.startsWith('\ufeff') ? text.slice(1) : text);
  const nodes: Node[] = [];
  const warnings: string[] = [];
  // The escape character at the end continues the line, unless it is itself
  // escaped (`a=x\\` ends there), as Docker 20.10 reads it.
  const trimContinuation = (l: string): [string, boolean] => {
    const continuation = directives.escape === '`' ? /(^|[^`])`[ \t]*$/ : /(^|[^\\])\\[ \t]*$/;
    return continuation.test(l) ? [l.replace(continuation, '$1'), false] : [l, true];
  };
  const offerDirective = (l: string, lineNo: number): void => {
    try {
      directives.offer(l);
    } catch (err) {
      throw fileError((err as Error).message, fileName, lineNo);
    }
  };

  let i = 0;
  while (i < lines.length) {
    const first = trimLeftSpace(lines[i++]!);
    offerDirective(first, i);
    const startLine = i;
    let [line, isEnd] = trimContinuation(isComment(first) ? '' : first);
    if (isEnd && line === '') continue;
    let hasEmptyContinuationLine = false;
    while (!isEnd && i < lines.length) {
      const raw = lines[i++]!;
      offerDirective(raw, i);
      if (isComment(raw)) continue;
      if (trimLeftSpace(raw) === '') {
        hasEmptyContinuationLine = true;
        continue;
      }
      const [more, end] = trimContinuation(raw);
      line += more;
      isEnd = end;
    }
    if (hasEmptyContinuationLine) warnings.push(`[WARNING]: Empty continuation line found in:\n    ${line}`);
    try {
      nodes.push(nodeFromLine(line, directives.escape, startLine, i));
    } catch (err) {
      throw fileError((err as Error).message, fileName, startLine);
    }
  }
  if (warnings.length > 0) warnings.push('[WARNING]: Empty continuation lines will become errors in a future release.');
  if (nodes.length === 0) throw fileError('file with no instructions', fileName);
  return { escape: directives.escape, syntax: directives.syntax, nodes, warnings };
}
