import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse, stringify } from 'yaml';
import type { K8sObject } from './k8s-checks.js';

/**
 * Renders this project's Helm chart the way `helm template` would, for the
 * subset of Go templates and Sprig the chart uses (define/include, if/else,
 * range, variables, and the functions in FUNCTIONS below), after checking the
 * merged values against the chart's values.schema.json as Helm does. Helm
 * itself cannot be installed from the registries this project builds with, so
 * the chart's output is checked through this renderer; anything outside the
 * subset is an error, never silently passed through. What it does not prove
 * (Helm's exact whitespace and YAML quoting, `helm lint`'s own rules, hooks,
 * `.Capabilities`, `tpl`, `with`) is listed in docs/testing.md.
 */

type Value = unknown;
/** Go's variable scoping: a variable lives until the `end` of the block that declared it. */
type Scope = { dot: Value; vars: Map<string, Value>; parent: Scope | undefined };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: string }
  | { kind: 'set'; variable: string; declare: boolean; pipeline: string }
  | { kind: 'if'; branches: { condition: string | undefined; body: Node[] }[] }
  | { kind: 'range'; keyVar: string | undefined; valueVar: string | undefined; pipeline: string; body: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      tokens.push({ kind: 'text', text: source.slice(at) });
      break;
    }
    const close = source.indexOf('}}', open);
    if (close < 0) throw new Error('unclosed action');
    let text = source.slice(at, open);
    let inner = source.slice(open + 2, close);
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let trimNext = false;
    if (inner.endsWith('-')) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    tokens.push({ kind: 'text', text }, { kind: 'action', text: inner.trim() });
    at = close + 2;
    if (trimNext) while (at < source.length && /\s/.test(source.charAt(at))) at++;
  }
  return tokens.filter((token) => token.kind === 'action' || token.text !== '');
}

function parseNodes(tokens: Token[], defines: Map<string, Node[]>): Node[] {
  let index = 0;
  const block = (stopAt: string[]): { nodes: Node[]; stop: string } => {
    const nodes: Node[] = [];
    while (index < tokens.length) {
      const token = tokens[index++];
      if (!token) break;
      if (token.kind === 'text') {
        nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.text;
      const word = action.split(/\s+/)[0] ?? '';
      if (stopAt.includes(word)) return { nodes, stop: action };
      if (word === 'define') {
        const name = /^define\s+"([^"]+)"$/.exec(action)?.[1];
        if (!name) throw new Error(`bad define: ${action}`);
        defines.set(name, block(['end']).nodes);
      } else if (word === 'if') {
        const branches: { condition: string | undefined; body: Node[] }[] = [];
        let condition: string | undefined = action.slice(2).trim();
        for (;;) {
          const { nodes: body, stop } = block(['else', 'end']);
          branches.push({ condition, body });
          if (stop === 'end') break;
          condition = stop === 'else' ? undefined : stop.replace(/^else\s+if\s+/, '');
          if (stop !== 'else' && !stop.startsWith('else if ')) throw new Error(`bad else: ${stop}`);
        }
        nodes.push({ kind: 'if', branches });
      } else if (word === 'range') {
        // range PIPELINE | range $v := PIPELINE | range $k, $v := PIPELINE
        const match = /^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w+)\s*)?:=\s*)?(.+)$/.exec(action);
        if (!match) throw new Error(`unsupported range: ${action}`);
        const [, first, second, pipeline = ''] = match;
        const { nodes: body, stop } = block(['else', 'end']);
        if (stop !== 'end') throw new Error(`unsupported {{ ${stop} }} in range`);
        nodes.push({ kind: 'range', keyVar: second ? first : undefined, valueVar: second ?? first, pipeline, body });
      } else if (word.startsWith('/*')) {
        continue;
      } else if (word.startsWith('$') && /^\$\w*\s*:?=/.test(action)) {
        const match = /^(\$\w*)\s*(:?=)\s*(.+)$/.exec(action);
        if (!match) throw new Error(`bad assignment: ${action}`);
        nodes.push({ kind: 'set', variable: match[1] ?? '', declare: match[2] === ':=', pipeline: match[3] ?? '' });
      } else {
        nodes.push({ kind: 'action', pipeline: action });
      }
    }
    if (stopAt.length > 0) throw new Error(`missing {{ ${stopAt.join(' / ')} }}`);
    return { nodes, stop: '' };
  };
  return block([]).nodes;
}

/** Splits on a separator outside quotes and parentheses. */
function splitTop(text: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === '"' && text.charAt(i - 1) !== '\\') quoted = !quoted;
    if (!quoted && char === '(') depth++;
    if (!quoted && char === ')') depth--;
    if (!quoted && depth === 0 && separator.test(char)) {
      if (current.trim() !== '') parts.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

const truthy = (value: Value): boolean => {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
};

const print = (value: Value): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`cannot print ${JSON.stringify(value)} (Helm would print a Go map)`);
};

/** Go ranges over map keys in sorted order, comparing strings byte by byte. */
const goKeyOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function lookupVar(scope: Scope, name: string): { scope: Scope } | undefined {
  for (let at: Scope | undefined = scope; at; at = at.parent) if (at.vars.has(name)) return { scope: at };
  return undefined;
}

const child = (scope: Scope, dot: Value = scope.dot): Scope => ({ dot, vars: new Map(), parent: scope });

const indentLines = (spaces: number, text: string): string =>
  text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');

export interface ChartContext {
  readonly Values: Record<string, unknown>;
  readonly Release: { Name: string; Namespace: string; Service: string };
  readonly Chart: Record<string, unknown>;
  readonly Files: { Get: (path: string) => string };
}

/**
 * What `lookup` can see. `helm template` has no cluster and gets an empty map
 * for every lookup; tests pass objects here to play an upgrade.
 */
export type Cluster = readonly (K8sObject & { metadata: { namespace?: string } })[];

export class HelmRenderer {
  private readonly defines = new Map<string, Node[]>();

  constructor(
    private readonly chartDir: string,
    private readonly cluster: Cluster = [],
  ) {
    for (const file of readdirSync(join(chartDir, 'templates')).filter((name) => name.endsWith('.tpl'))) {
      parseNodes(lex(readFileSync(join(chartDir, 'templates', file), 'utf8')), this.defines);
    }
  }

  context(values: Record<string, unknown>, release = { Name: 'captcha', Namespace: 'captcha' }): ChartContext {
    const chart = parse(readFileSync(join(this.chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    const Chart = Object.fromEntries(Object.entries(chart).map(([key, value]) => [key.charAt(0).toUpperCase() + key.slice(1), value]));
    return {
      Values: values,
      Release: { ...release, Service: 'Helm' },
      Chart,
      Files: { Get: (path) => readFileSync(join(this.chartDir, path), 'utf8') },
    };
  }

  /** Renders one template file of the chart to text. */
  renderFile(name: string, context: ChartContext): string {
    return this.renderText(readFileSync(join(this.chartDir, 'templates', name), 'utf8'), context);
  }

  /** Renders template source with the chart's named templates in reach. */
  renderText(source: string, dot: Value): string {
    return this.renderNodes(parseNodes(lex(source), this.defines), { dot, vars: new Map([['$', dot]]), parent: undefined });
  }

  private renderNodes(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'action':
          out += print(this.pipeline(node.pipeline, scope));
          break;
        case 'set': {
          // Like Go, a declaration or assignment prints nothing.
          const value = this.pipeline(node.pipeline, scope);
          if (node.declare) {
            scope.vars.set(node.variable, value);
          } else {
            const owner = lookupVar(scope, node.variable);
            if (!owner) throw new Error(`undefined variable ${node.variable}`);
            owner.scope.vars.set(node.variable, value);
          }
          break;
        }
        case 'if': {
          const branch = node.branches.find((b) => b.condition === undefined || truthy(this.pipeline(b.condition, scope)));
          if (branch) out += this.renderNodes(branch.body, child(scope));
          break;
        }
        case 'range': {
          const collection = this.pipeline(node.pipeline, scope);
          if (collection === undefined || collection === null) break;
          if (typeof collection !== 'object') throw new Error(`range can't iterate over ${JSON.stringify(collection)}`);
          // Lists keep their order; maps go in sorted key order, as in Go.
          const entries: [Value, Value][] = Array.isArray(collection)
            ? collection.map((item, index) => [index, item])
            : Object.keys(collection)
                .sort(goKeyOrder)
                .map((key) => [key, (collection as Record<string, unknown>)[key]]);
          for (const [key, item] of entries) {
            const inner = child(scope, item);
            if (node.keyVar) inner.vars.set(node.keyVar, key);
            if (node.valueVar) inner.vars.set(node.valueVar, item);
            out += this.renderNodes(node.body, inner);
          }
          break;
        }
      }
    }
    return out;
  }

  private pipeline(text: string, scope: Scope): Value {
    let result: Value;
    let first = true;
    for (const command of splitTop(text, /\|/)) {
      const args = splitTop(command, /\s/);
      result = this.command(args, scope, first ? undefined : { value: result });
      first = false;
    }
    return result;
  }

  private command(terms: string[], scope: Scope, piped: { value: Value } | undefined): Value {
    const [head = '', ...rest] = terms;
    if (head === 'and' || head === 'or') return this.shortCircuit(head, rest, scope, piped);
    const args = rest.map((term) => this.term(term, scope));
    if (piped) args.push(piped.value);
    if (head === 'lookup') return this.lookup(args);
    const fn = FUNCTIONS[head];
    if (fn) return fn(args, (name, dot) => this.include(name, dot));
    const value = this.term(head, scope);
    if (typeof value === 'function') return (value as (...a: Value[]) => Value)(...args);
    if (args.length > 0) throw new Error(`${head} is not a function`);
    return value;
  }

  /** `and` and `or` stop at the first argument that decides, as in Go 1.18+: later ones are not evaluated. */
  private shortCircuit(head: 'and' | 'or', terms: string[], scope: Scope, piped: { value: Value } | undefined): Value {
    const thunks: (() => Value)[] = terms.map((term) => () => this.term(term, scope));
    if (piped) thunks.push(() => piped.value);
    if (thunks.length === 0) throw new Error(`${head} needs arguments`);
    let result: Value;
    for (const thunk of thunks) {
      result = thunk();
      if (truthy(result) === (head === 'or')) return result;
    }
    return result;
  }

  /** `lookup apiVersion kind namespace name`: the object, or an empty map as `helm template` returns. */
  private lookup(args: Value[]): Value {
    const [apiVersion, kind, namespace, name] = args;
    if (args.length !== 4 || typeof name !== 'string' || name === '') throw new Error('lookup: only single objects by name are supported');
    const found = this.cluster.find(
      (o) => o.apiVersion === apiVersion && o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? namespace) === namespace,
    );
    return found ? structuredClone(found) : {};
  }

  private include(name: string, dot: Value): string {
    const nodes = this.defines.get(name);
    if (!nodes) throw new Error(`no template ${name}`);
    return this.renderNodes(nodes, { dot, vars: new Map([['$', dot]]), parent: undefined });
  }

  private term(term: string, scope: Scope): Value {
    if (term.startsWith('"')) return JSON.parse(term) as string;
    if (/^-?\d+(\.\d+)?$/.test(term)) return Number(term);
    if (term === 'true' || term === 'false') return term === 'true';
    if (term.startsWith('(')) return this.pipeline(term.slice(1, -1), scope);
    if (term === '.') return scope.dot;
    if (term.startsWith('.')) return field(scope.dot, term.slice(1).split('.'));
    if (term.startsWith('$')) {
      const [name = '', ...path] = term.split('.');
      const owner = lookupVar(scope, name);
      if (!owner) throw new Error(`undefined variable ${name}`);
      return field(owner.scope.vars.get(name), path);
    }
    throw new Error(`unsupported term: ${term}`);
  }
}

function field(value: Value, path: string[]): Value {
  let current = value;
  for (const key of path) {
    if (current === undefined || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

type Fn = (args: Value[], include: (name: string, dot: Value) => string) => Value;

const FUNCTIONS: Record<string, Fn> = {
  include: ([name, dot], include) => include(String(name), dot),
  // Helm marshals through JSON: map keys come out sorted, and nothing is `null` but nil itself.
  toYaml: ([value]) => (value === undefined || value === null ? 'null' : stringify(value, { sortMapEntries: true }).trimEnd()),
  toJson: ([value]) => goJson(value),
  sha256sum: ([value]) => createHash('sha256').update(text('sha256sum', value)).digest('hex'),
  dict: (pairs) => {
    if (pairs.length % 2 !== 0) throw new Error('dict wants key and value pairs');
    const map: Record<string, unknown> = {};
    for (let i = 0; i < pairs.length; i += 2) map[String(pairs[i])] = pairs[i + 1];
    return map;
  },
  list: (items) => [...items],
  trim: ([value]) => text('trim', value).trim(),
  // Sprig's set changes the map in place and returns it; hasKey asks for a key, whatever its value.
  set: ([map, key, value]) => {
    (goMap('set', map) as Record<string, unknown>)[text('set', key)] = value;
    return map;
  },
  hasKey: ([map, key]) => Object.prototype.hasOwnProperty.call(goMap('hasKey', map), text('hasKey', key)),
  join: ([separator, list]) => {
    if (list === undefined || list === null) return '';
    if (!Array.isArray(list)) throw new Error(`join wants a list, got ${JSON.stringify(list)}`);
    return list.map((item) => (item === undefined || item === null ? '' : print(item))).join(text('join', separator));
  },
  nindent: ([spaces, text]) => `\n${indentLines(Number(spaces), print(text))}`,
  indent: ([spaces, text]) => indentLines(Number(spaces), print(text)),
  quote: ([value]) => JSON.stringify(print(value)),
  required: ([message, value]) => {
    if (!truthy(value)) throw new Error(`required: ${String(message)}`);
    return value;
  },
  fail: ([message]) => {
    throw new Error(`fail: ${String(message)}`);
  },
  default: ([fallback, value]) => (truthy(value) ? value : fallback),
  not: ([value]) => !truthy(value),
  index: ([collection, ...keys]) => keys.reduce((current, key) => indexOf(current, key), collection),
  b64enc: ([value]) => Buffer.from(text('b64enc', value)).toString('base64'),
  b64dec: ([value]) => {
    // Sprig would return the decoder's error text as the value; failing is louder.
    const encoded = text('b64dec', value);
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) throw new Error(`b64dec: not base64: ${encoded}`);
    return Buffer.from(encoded, 'base64').toString('utf8');
  },
  randAlphaNum: ([count]) => randomAlphaNum(Number(count)),
};

/** Go's encoding/json: map keys sorted, nil as `null`. */
function goJson(value: Value): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (typeof value === 'object') {
    const map = value as Record<string, unknown>;
    return `{${Object.keys(map)
      .sort(goKeyOrder)
      .map((key) => `${JSON.stringify(key)}:${goJson(map[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function goMap(fn: string, value: Value): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${fn} wants a map, got ${JSON.stringify(value)}`);
  return value;
}

function text(fn: string, value: Value): string {
  if (typeof value !== 'string') throw new Error(`${fn} wants a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Go's `index`: a missing map key is the zero value; nil or an index out of range is an error. */
function indexOf(collection: Value, key: Value): Value {
  if (collection === undefined || collection === null) throw new Error('index of untyped nil');
  if (Array.isArray(collection)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= collection.length) throw new Error(`index out of range: ${String(key)}`);
    return collection[key] as Value;
  }
  if (typeof collection !== 'object' || typeof key !== 'string') throw new Error(`can't index ${JSON.stringify(collection)} with ${JSON.stringify(key)}`);
  return (collection as Record<string, unknown>)[key];
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Sprig's randAlphaNum: letters and digits from a cryptographic source, without modulo bias. */
function randomAlphaNum(count: number): string {
  if (!Number.isInteger(count) || count < 0) throw new Error(`randAlphaNum: bad length ${count}`);
  let out = '';
  while (out.length < count) {
    for (const byte of randomBytes(count)) {
      if (byte < 248 && out.length < count) out += ALPHANUMERIC.charAt(byte % 62);
    }
  }
  return out;
}

/**
 * `helm template`: every manifest the chart renders with these values, as
 * parsed objects. `cluster` is what `lookup` finds (nothing, offline).
 */
export function renderChart(chartDir: string, overrides: Record<string, unknown> = {}, cluster: Cluster = []): { objects: K8sObject[]; notes: string } {
  const renderer = new HelmRenderer(chartDir, cluster);
  const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const values = deepMerge(defaults, overrides);
  // Helm refuses values its chart's values.schema.json does not accept, before rendering anything.
  const problems = valuesSchemaErrors(chartDir, values);
  if (problems.length > 0) throw new Error(`values don't meet the schema:\n${problems.join('\n')}`);
  const context = renderer.context(values);
  const objects: K8sObject[] = [];
  for (const file of readdirSync(join(chartDir, 'templates')).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const document of renderer.renderFile(file, context).split(/^---$/m)) {
      const parsed = parse(document) as K8sObject | null;
      if (parsed) objects.push(parsed);
    }
  }
  return { objects, notes: renderer.renderFile('NOTES.txt', context) };
}

/**
 * What the chart's values.schema.json says of these values (Helm checks the
 * merged values against it), as `path: message`; empty when they pass or the
 * chart has no schema.
 */
export function valuesSchemaErrors(chartDir: string, values: unknown): string[] {
  const file = join(chartDir, 'values.schema.json');
  if (!existsSync(file)) return [];
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`);
}

export function deepMerge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return merged;
}
