// Go's text/template: parse once, execute on Go-shaped values (go-values.ts),
// with Go's error words (exec.go) so users see what docker prints.
import { FunctionError, goBuiltins, NonComparableError, type ParamType, type TemplateFunction } from './functions.js';
import { formatValue, goTypeName, isStruct, isTrue, sortedKeys } from './go-values.js';
import { TemplateSyntaxError } from './lexer.js';
import { goQuote } from './printf.js';
import { argString, parseTemplate, pipeString, type Arg, type Command, type ControlNode, type Node, type Pipe, type Tree } from './parser.js';

export { TemplateSyntaxError };

/** An execution failure: `template: :1:2: executing "" at <.Nope>: …`. */
export class TemplateExecError extends Error {}

export interface ExecuteOptions {
  /**
   * Docker's inspect falls back to the raw JSON (maps, missingkey=error) when
   * the typed run fails: a missing field then reads `map has no entry for key "X"`.
   */
  raw?: boolean;
  /** Replaces functions for this run (a table's header row). */
  functions?: Record<string, TemplateFunction>;
}

const NO_FINAL = Symbol('noFinal');
type Final = unknown | typeof NO_FINAL;

class LoopControl {
  constructor(readonly kind: 'break' | 'continue') {}
}

export class GoTemplate {
  private readonly functions: Record<string, TemplateFunction>;
  private readonly tree: Tree;

  constructor(text: string, functions: Record<string, TemplateFunction> = {}) {
    this.functions = { ...goBuiltins, ...functions };
    this.tree = parseTemplate(text, new Set(Object.keys(this.functions)));
  }

  execute(data: unknown, options: ExecuteOptions = {}): string {
    const state = new State(this.tree, { ...this.functions, ...options.functions }, !!options.raw, data);
    state.walkList(data, this.tree.root);
    return state.out;
  }

  /** Runs and returns what was written before a failure too, as Go's Execute leaves it in the writer. */
  executePartial(data: unknown, options: ExecuteOptions = {}): { out: string; error?: TemplateExecError } {
    const state = new State(this.tree, { ...this.functions, ...options.functions }, !!options.raw, data);
    try {
      state.walkList(data, this.tree.root);
      return { out: state.out };
    } catch (err) {
      if (err instanceof TemplateExecError) return { out: state.out, error: err };
      throw err;
    }
  }
}

class State {
  out = '';
  private vars: { name: string; value: unknown }[];
  private context = '';
  private contextPos = 0;

  private readonly text: string;

  constructor(
    private readonly tree: Tree,
    private readonly functions: Record<string, TemplateFunction>,
    private readonly raw: boolean,
    root: unknown,
  ) {
    this.text = tree.text;
    this.vars = [{ name: '$', value: root }];
  }

  private at(pos: number, context: string): void {
    this.contextPos = pos;
    this.context = context;
  }

  private fail(message: string): never {
    const before = this.text.slice(0, this.contextPos);
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const lastNewline = before.lastIndexOf('\n');
    const col = Buffer.byteLength(lastNewline < 0 ? before : before.slice(lastNewline + 1));
    throw new TemplateExecError(`template: :${line}:${col}: executing "" at <${this.context}>: ${message}`);
  }

  walkList(dot: unknown, list: Node[]): void {
    for (const node of list) this.walk(dot, node);
  }

  private walk(dot: unknown, node: Node): void {
    switch (node.type) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.print(node.pipe, value);
        return;
      }
      case 'if':
      case 'with': {
        const depth = this.vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        if (isTrue(value)) this.walkList(node.type === 'with' ? value : dot, node.list);
        else if (node.elseList) this.walkList(dot, node.elseList);
        this.vars.length = depth;
        return;
      }
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'break':
      case 'continue':
        throw new LoopControl(node.type);
      case 'template':
        this.walkTemplate(dot, node);
        return;
    }
  }

  private walkTemplate(dot: unknown, node: Extract<Node, { type: 'template' }>): void {
    const list = this.tree.defines.get(node.name);
    if (!list) {
      this.at(node.pos, `{{template ${goQuote(node.name)}${node.pipe ? ` ${pipeString(node.pipe)}` : ''}}}`);
      this.fail(`template ${goQuote(node.name)} not defined`);
    }
    const value = node.pipe ? this.evalPipeline(dot, node.pipe) : null;
    // A called template sees only its own $.
    const saved = this.vars;
    this.vars = [{ name: '$', value }];
    try {
      this.walkList(value, list);
    } finally {
      this.vars = saved;
    }
  }

  private walkRange(dot: unknown, node: ControlNode): void {
    const depth = this.vars.length;
    const value = this.evalPipeline(dot, node.pipe);
    // The pipeline's own declarations are rebound per element, not to the whole value.
    this.vars.length = depth;
    const items: [unknown, unknown][] = [];
    if (Array.isArray(value)) value.forEach((e, i) => items.push([i, e]));
    else if (value instanceof Map) for (const k of sortedKeys(value)) items.push([k, value.get(k)]);
    else if (value !== undefined && value !== null) {
      this.at(node.pipe.pos, pipeString(node.pipe));
      this.fail(`range can't iterate over ${formatValue(value)}`);
    }
    for (const [key, element] of items) {
      if (node.pipe.decl.length === 1) this.setOrPush(node.pipe, 0, element);
      else if (node.pipe.decl.length === 2) {
        this.setOrPush(node.pipe, 0, key);
        this.setOrPush(node.pipe, 1, element);
      }
      try {
        this.walkList(element, node.list);
      } catch (err) {
        if (!(err instanceof LoopControl)) throw err;
        if (err.kind === 'break') break;
      } finally {
        this.vars.length = depth;
      }
    }
    if (items.length === 0 && node.elseList) this.walkList(dot, node.elseList);
    this.vars.length = depth;
  }

  private setOrPush(pipe: Pipe, i: number, value: unknown): void {
    const name = pipe.decl[i]!;
    if (pipe.isAssign) this.setVar(name, value);
    else this.vars.push({ name, value });
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.fail(`undefined variable: ${name}`);
  }

  private print(pipe: Pipe, value: unknown): void {
    if (typeof value === 'function') {
      this.at(pipe.pos, pipeString(pipe));
      this.fail(`can't print ${pipeString(pipe)} of type func`);
    }
    this.out += formatValue(value);
  }

  private evalPipeline(dot: unknown, pipe: Pipe): unknown {
    this.at(pipe.pos, pipeString(pipe));
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    pipe.decl.forEach((name) => {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    });
    return value === NO_FINAL ? undefined : value;
  }

  private evalCommand(dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain': {
        const receiver = this.evalArg(dot, first.node);
        return this.evalFieldChain(dot, receiver, first, first.field, cmd.args, final);
      }
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'variable': {
        const value = this.varValue(first.ident[0]!);
        if (first.ident.length === 1) {
          this.notAFunction(first, cmd.args, final);
          return value;
        }
        return this.evalFieldChain(dot, value, first, first.ident.slice(1), cmd.args, final);
      }
      case 'pipe':
        this.notAFunction(first, cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
      case 'nil':
        this.at(first.pos, 'nil');
        return this.fail('nil is not a command');
      default:
        this.notAFunction(first, cmd.args, final);
        return this.evalArg(dot, first);
    }
  }

  private notAFunction(first: Arg, args: Arg[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) {
      this.at(first.pos, argString(first));
      this.fail(`can't give argument to non-function ${argString(first)}`);
    }
  }

  private evalArg(dot: unknown, arg: Arg): unknown {
    this.at(arg.pos, argString(arg));
    switch (arg.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldChain(dot, dot, arg, arg.ident, [arg], NO_FINAL);
      case 'variable': {
        const value = this.varValue(arg.ident[0]!);
        return arg.ident.length === 1 ? value : this.evalFieldChain(dot, value, arg, arg.ident.slice(1), [arg], NO_FINAL);
      }
      case 'pipe':
        return this.evalPipeline(dot, arg.pipe);
      case 'identifier':
        return this.evalFunction(dot, arg, { pos: arg.pos, args: [arg] }, [arg], NO_FINAL);
      case 'chain':
        return this.evalFieldChain(dot, this.evalArg(dot, arg.node), arg, arg.field, [arg], NO_FINAL);
      case 'bool':
      case 'number':
      case 'string':
        return arg.value;
    }
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Arg, ident: string[], args: Arg[], final: Final): unknown {
    let value = receiver;
    for (let i = 0; i < ident.length - 1; i++) value = this.evalField(dot, ident[i]!, node, [], NO_FINAL, value);
    return this.evalField(dot, ident[ident.length - 1]!, node, args, final, value);
  }

  private evalField(dot: unknown, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown): unknown {
    this.at(node.pos, argString(node));
    const hasArgs = args.length > 1 || final !== NO_FINAL;
    if (receiver === undefined) {
      if (this.raw) this.fail(`nil data; no entry for key "${name}"`);
      return undefined;
    }
    if (isStruct(receiver)) {
      const member = receiver[name];
      if (typeof member === 'function') return this.callMethod(dot, name, member as (...a: unknown[]) => unknown, node, args, final);
      if (Object.prototype.hasOwnProperty.call(receiver, name)) {
        if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
        return member;
      }
      if (this.raw) this.fail(`map has no entry for key "${name}"`);
      return this.fail(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    }
    if (receiver instanceof Map) {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`);
      if (receiver.has(name)) return receiver.get(name);
      if (this.raw) this.fail(`map has no entry for key "${name}"`);
      return undefined;
    }
    if (receiver === null) return this.fail(`nil pointer evaluating interface {}.${name}`);
    return this.fail(`can't evaluate field ${name} in type ${this.typeName(receiver)}`);
  }

  private callMethod(dot: unknown, name: string, method: (...a: unknown[]) => unknown, node: Arg, args: Arg[], final: Final): unknown {
    const params = (method as { params?: ParamType[] }).params ?? Array<ParamType>(method.length).fill('string');
    return this.call(dot, { params, call: method }, name, node, argString(node), args, final);
  }

  private evalFunction(dot: unknown, node: Extract<Arg, { type: 'identifier' }>, cmd: Command, args: Arg[], final: Final): unknown {
    this.at(node.pos, node.name);
    const f = this.functions[node.name];
    if (!f) return this.fail(`"${node.name}" is not a defined function`);
    if (node.name === 'and' || node.name === 'or') return this.andOr(dot, node.name, args, final);
    return this.call(dot, f, node.name, node, cmd.args.map(argString).join(' '), args, final);
  }

  private andOr(dot: unknown, name: 'and' | 'or', args: Arg[], final: Final): unknown {
    const operands: (() => unknown)[] = args.slice(1).map((a) => () => this.evalArg(dot, a));
    if (final !== NO_FINAL) operands.push(() => final);
    if (operands.length === 0) this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
    let value: unknown;
    for (const operand of operands) {
      value = operand();
      if (isTrue(value) === (name === 'or')) return value;
    }
    return value;
  }

  private call(dot: unknown, f: TemplateFunction, name: string, node: Arg, cmdText: string, args: Arg[], final: Final): unknown {
    const given = args.length - 1 + (final === NO_FINAL ? 0 : 1);
    const want = f.params.length;
    if (f.variadic ? given < want : given !== want) {
      this.at(node.pos, argString(node));
      this.fail(`wrong number of args for ${name}: want ${f.variadic ? 'at least ' : ''}${want} got ${given}`);
    }
    const values: unknown[] = [];
    args.slice(1).forEach((arg, i) => {
      const type = f.params[i] ?? f.variadic ?? 'any';
      this.checkConstant(arg, type);
      const value = this.evalArg(dot, arg);
      this.checkType(value, type);
      values.push(value);
    });
    if (final !== NO_FINAL) {
      this.checkType(final, f.params[values.length] ?? f.variadic ?? 'any');
      values.push(final);
    }
    try {
      return f.call(...values);
    } catch (err) {
      this.at(node.pos, cmdText);
      if (err instanceof NonComparableError) this.fail(`error calling ${name}: non-comparable type ${formatValue(err.value)}: ${this.typeName(err.value)}`);
      if (err instanceof FunctionError) this.fail(`error calling ${name}: ${err.message}`);
      throw err;
    }
  }

  /** A constant argument is checked against the parameter as written (exec.go's evalString/evalInteger). */
  private checkConstant(arg: Arg, type: ParamType): void {
    if (type === 'any' || !['number', 'bool', 'string', 'nil'].includes(arg.type)) return;
    this.at(arg.pos, argString(arg));
    if (type === 'string' && arg.type !== 'string') this.fail(`expected string; found ${argString(arg)}`);
    if (type === 'int' && !(arg.type === 'number' && arg.isInt)) this.fail(`expected integer; found ${argString(arg)}`);
    if (type === '[]string') this.fail(`can't handle ${argString(arg)} for arg of type []string`);
  }

  private checkType(value: unknown, type: ParamType): void {
    if (type === 'any') return;
    const ok =
      type === 'string' ? typeof value === 'string' : type === 'int' ? typeof value === 'number' && Number.isInteger(value) : Array.isArray(value) && value.every((e) => typeof e === 'string');
    if (ok) return;
    if (value === undefined) this.fail(`invalid value; expected ${type}`);
    this.fail(`wrong type for value; expected ${type}; got ${this.typeName(value)}`);
  }

  /** In the raw pass every value came out of an interface{}. */
  private typeName(value: unknown): string {
    if (!this.raw) return goTypeName(value);
    if (Array.isArray(value)) return '[]interface {}';
    if (value instanceof Map) return 'map[string]interface {}';
    return 'interface {}';
  }
}
