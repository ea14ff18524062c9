// The parser of Go's text/template (parse/parse.go): the same tree, the same
// checks at parse time (undefined functions and variables) and the same words.
import { lex, TemplateSyntaxError, type Token, type TokenKind } from './lexer.js';
import { goQuote } from './printf.js';

export type Arg =
  | { type: 'field'; pos: number; ident: string[] }
  | { type: 'variable'; pos: number; ident: string[] }
  | { type: 'identifier'; pos: number; name: string }
  | { type: 'chain'; pos: number; node: Arg; field: string[] }
  | { type: 'dot'; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'bool'; pos: number; value: boolean }
  | { type: 'number'; pos: number; value: number | bigint; isInt: boolean; text: string }
  | { type: 'string'; pos: number; value: string; quoted: string }
  | { type: 'pipe'; pos: number; pipe: Pipe };

export interface Command {
  pos: number;
  args: Arg[];
}

export interface Pipe {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export type Node =
  | { type: 'text'; pos: number; text: string }
  | { type: 'action'; pos: number; pipe: Pipe }
  | ControlNode
  | { type: 'break' | 'continue'; pos: number }
  | { type: 'template'; pos: number; name: string; pipe: Pipe | null };

export interface ControlNode {
  type: 'if' | 'with' | 'range';
  pos: number;
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | null;
}

export interface Tree {
  text: string;
  root: Node[];
  /** Templates named by {{define}} or {{block}}. */
  defines: Map<string, Node[]>;
}

export function parseTemplate(text: string, functions: ReadonlySet<string>): Tree {
  const parser = new Parser(lex(text), functions);
  const root = parser.parse();
  return { text, root, defines: parser.defines };
}

/** The tokens that can start a command (parse.go's pipeline). */
const OPERAND_START: ReadonlySet<TokenKind> = new Set(['bool', 'char', 'number', 'dot', 'field', 'identifier', 'nil', 'rawString', 'string', 'variable', 'leftParen']);

class Parser {
  readonly defines = new Map<string, Node[]>();
  private i = 0;
  private readonly vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly functions: ReadonlySet<string>,
  ) {}

  parse(): Node[] {
    const [list, end] = this.itemList(false);
    if (end) this.fail(`unexpected ${end}`);
    return list;
  }

  private next(): Token {
    const t = this.tokens[Math.min(this.i++, this.tokens.length - 1)]!;
    if (t.kind === 'error') throw new TemplateSyntaxError(t.line, t.value);
    return t;
  }
  private backup(): void {
    this.i--;
  }
  private peek(): Token {
    const t = this.next();
    this.backup();
    return t;
  }
  private nextNonSpace(): Token {
    let t = this.next();
    while (t.kind === 'space') t = this.next();
    return t;
  }
  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }
  private fail(detail: string, token: Token = this.tokens[Math.max(0, this.i - 1)]!): never {
    throw new TemplateSyntaxError(token.line, detail);
  }

  /** Nodes up to {{end}} or {{else}} (returned as the second value), or to EOF when nested is false. */
  private itemList(nested: boolean): [Node[], string | null] {
    const list: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') {
        if (nested) this.fail('unexpected EOF', t);
        return [list, null];
      }
      if (t.kind === 'text') {
        list.push({ type: 'text', pos: t.pos, text: t.value });
        continue;
      }
      // leftDelim
      const k = this.peekNonSpace();
      if (!nested && k.kind === 'keyword' && k.value === 'define') {
        this.nextNonSpace();
        this.define();
        continue;
      }
      if (k.kind === 'keyword' && (k.value === 'end' || k.value === 'else')) {
        this.nextNonSpace();
        if (!nested) this.fail(`unexpected {{${k.value}}}`, k);
        if (k.value === 'end') {
          this.expectRightDelim('end');
          return [list, '{{end}}'];
        }
        return [list, '{{else}}'];
      }
      list.push(this.action());
    }
  }

  private expectRightDelim(context: string): void {
    const t = this.nextNonSpace();
    if (t.kind !== 'rightDelim') this.fail(`unexpected ${describe(t)} in ${context}`, t);
  }

  private action(): Node {
    const t = this.nextNonSpace();
    if (t.kind === 'keyword') {
      switch (t.value) {
        case 'if':
        case 'with':
        case 'range':
          return this.control(t.value, t);
        case 'template':
          return this.templateCall(false);
        case 'block':
          return this.templateCall(true);
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) this.fail(`{{${t.value}}} outside {{range}}`, t);
          this.expectRightDelim(t.value);
          return { type: t.value, pos: t.pos };
        default:
          break;
      }
    }
    this.backup();
    const pos = this.peekNonSpace().pos;
    return { type: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  /** {{define "name"}} … {{end}}, at the top level only. */
  private define(): void {
    const name = this.templateName('define clause');
    this.expectRightDelim('define clause');
    const vars = this.vars.splice(1);
    const [list] = this.itemList(true);
    this.vars.push(...vars);
    this.defines.set(name, list);
  }

  /** {{template "name" [pipeline]}}, or {{block "name" pipeline}} … {{end}} which also defines it. */
  private templateCall(block: boolean): Node {
    const nameToken = this.nextNonSpace();
    this.backup();
    const context = block ? 'block clause' : 'template clause';
    const name = this.templateName(context);
    let pipe: Pipe | null = null;
    if (this.peekNonSpace().kind !== 'rightDelim') pipe = this.pipeline(context, 'rightDelim');
    else this.expectRightDelim(context);
    if (block) {
      const [list] = this.itemList(true);
      this.defines.set(name, list);
    }
    return { type: 'template', pos: nameToken.pos, name, pipe };
  }

  private templateName(context: string): string {
    const t = this.nextNonSpace();
    if (t.kind === 'string') return unquoteGo(t.value, () => this.fail(`invalid syntax`, t));
    if (t.kind === 'rawString') return t.value.slice(1, -1);
    return this.fail(`unexpected ${describe(t)} in ${context}`, t);
  }

  private control(kind: 'if' | 'with' | 'range', start: Token): Node {
    const depth = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, end] = this.itemList(true);
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | null = null;
    if (end === '{{else}}') {
      // {{else if …}} is an if inside the else branch, closed by the same {{end}}.
      const k = this.peekNonSpace();
      if (kind === 'if' && k.kind === 'keyword' && k.value === 'if') {
        this.nextNonSpace();
        elseList = [this.control('if', k)];
      } else if (kind === 'with' && k.kind === 'keyword' && k.value === 'with') {
        this.nextNonSpace();
        elseList = [this.control('with', k)];
      } else {
        this.expectRightDelim('else');
        const [rest, end2] = this.itemList(true);
        if (end2 !== '{{end}}') this.fail(`expected end; found ${end2}`);
        elseList = rest;
      }
    }
    this.vars.length = depth;
    return { type: kind, pos: start.pos, pipe, list, elseList };
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const pos = this.peekNonSpace().pos;
    const pipe: Pipe = { pos, decl: [], isAssign: false, cmds: [] };
    const save = this.i;
    const v = this.peekNonSpace();
    if (v.kind === 'variable') {
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.kind === 'declare' || next.kind === 'assign') {
        this.nextNonSpace();
        pipe.decl.push(v.value);
        pipe.isAssign = next.kind === 'assign';
        if (next.kind === 'declare') this.vars.push(v.value);
        else if (!this.vars.includes(v.value)) this.fail(`undefined variable "${v.value}"`, v);
      } else if (next.kind === 'comma' && context === 'range') {
        this.nextNonSpace();
        const second = this.nextNonSpace();
        if (second.kind !== 'variable') this.fail(`range can only initialize variables`, second);
        const op = this.nextNonSpace();
        if (op.kind !== 'declare' && op.kind !== 'assign') this.fail(`expected := or = after range variables`, op);
        pipe.decl.push(v.value, second.value);
        pipe.isAssign = op.kind === 'assign';
        if (op.kind === 'declare') this.vars.push(v.value, second.value);
      } else {
        // A variable used as the first operand: give it back.
        this.i = save;
      }
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.kind === end) {
        if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`, t);
        pipe.cmds.slice(1).forEach((c, i) => {
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0]!.type)) this.fail(`non executable command in pipeline stage ${i + 2}`, t);
        });
        return pipe;
      }
      if (!OPERAND_START.has(t.kind)) this.fail(`unexpected ${describe(t)} in ${context}`, t);
      this.backup();
      pipe.cmds.push(this.command());
    }
  }

  private command(): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.kind === 'space') continue;
      if (t.kind === 'rightDelim' || t.kind === 'rightParen') {
        this.backup();
      } else if (t.kind !== 'pipe') {
        this.fail(`unexpected ${describe(t)} in operand`, t);
      }
      if (cmd.args.length === 0) this.fail('empty command', t);
      return cmd;
    }
  }

  private operand(): Arg | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().kind !== 'field') return node;
    const fields: string[] = [];
    // Go's chain node sits at the first field after the term.
    const pos = this.peek().pos;
    while (this.peek().kind === 'field') fields.push(this.next().value.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.fail(`unexpected . after term "${argString(node)}"`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): Arg | null {
    const t = this.nextNonSpace();
    switch (t.kind) {
      case 'identifier':
        if (!this.functions.has(t.value)) this.fail(`function "${t.value}" not defined`, t);
        return { type: 'identifier', pos: t.pos, name: t.value };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable': {
        if (!this.vars.includes(t.value)) this.fail(`undefined variable "${t.value}"`, t);
        return { type: 'variable', pos: t.pos, ident: [t.value] };
      }
      case 'field':
        return { type: 'field', pos: t.pos, ident: [t.value.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.value === 'true' };
      case 'number':
      case 'char':
        return this.number(t);
      case 'leftParen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        return { type: 'pipe', pos: t.pos, pipe };
      }
      case 'string':
        return { type: 'string', pos: t.pos, value: unquoteGo(t.value, () => this.fail(`invalid syntax`, t)), quoted: t.value };
      case 'rawString':
        return { type: 'string', pos: t.pos, value: t.value.slice(1, -1).replace(/\r/g, ''), quoted: t.value };
      default:
        this.backup();
        return null;
    }
  }

  private number(t: Token): Arg {
    if (t.kind === 'char') {
      const ch = unquoteGo(`"${t.value.slice(1, -1).replace(/"/g, '\\"')}"`, () => this.fail(`malformed character constant: ${t.value}`, t));
      if ([...ch].length !== 1) this.fail(`malformed character constant: ${t.value}`, t);
      return { type: 'number', pos: t.pos, value: ch.codePointAt(0)!, isInt: true, text: t.value };
    }
    const text = t.value.replace(/_/g, '');
    let value: number;
    let isInt = true;
    const sign = text.startsWith('-') ? -1 : 1;
    const body = text.replace(/^[+-]/, '');
    if (/^0[xX][0-9a-fA-F]+$/.test(body)) value = sign * parseInt(body.slice(2), 16);
    else if (/^0[bB][01]+$/.test(body)) value = sign * parseInt(body.slice(2), 2);
    else if (/^0[oO]?[0-7]+$/.test(body)) value = sign * parseInt(body.replace(/^0[oO]?/, ''), 8);
    else if (/^[0-9]+$/.test(body)) value = sign * Number(body);
    else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) {
      value = sign * Number(body);
      isInt = Number.isInteger(value) && !/[.eE]/.test(body) ? true : false;
    } else return this.fail(`illegal number syntax: "${t.value}"`, t);
    // Integers past 2^53 keep their digits (Go's int64).
    if (isInt && !Number.isSafeInteger(value) && /^[0-9]+$/.test(body)) return { type: 'number', pos: t.pos, value: BigInt(sign < 0 ? `-${body}` : body), isInt, text: t.value };
    return { type: 'number', pos: t.pos, value, isInt, text: t.value };
  }
}

/** parse.go's item.String(). */
function describe(t: Token): string {
  if (t.kind === 'eof') return 'EOF';
  // In Go, . and nil are keywords too.
  if (t.kind === 'keyword' || t.kind === 'dot' || t.kind === 'nil') return `<${t.value}>`;
  const chars = [...t.value];
  return chars.length > 10 ? `${goQuote(chars.slice(0, 10).join(''))}...` : goQuote(t.value);
}

/** strconv.Unquote of a double-quoted Go string. */
export function unquoteGo(quoted: string, invalid: () => never): string {
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) invalid();
      out += e === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
      i += n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) invalid();
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else invalid();
  }
  return out;
}

/** The node as Go's String() prints it, for error contexts. */
export function argString(a: Arg): string {
  switch (a.type) {
    case 'field':
      return a.ident.map((f) => `.${f}`).join('');
    case 'variable':
      return a.ident.join('.');
    case 'identifier':
      return a.name;
    case 'chain':
      return `${a.node.type === 'pipe' ? `(${pipeString(a.node.pipe)})` : argString(a.node)}${a.field.map((f) => `.${f}`).join('')}`;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
    case 'number':
      return a.text;
    case 'string':
      return a.quoted;
    case 'pipe':
      return `(${pipeString(a.pipe)})`;
  }
}

export function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map((c) => c.args.map(argString).join(' ')).join(' | ');
}
