import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { K8sObject } from './k8s-checks.js';

/**
 * Renders this project's Helm chart the way `helm template` would, for the
 * subset of Go templates and Sprig the chart uses (define/include, if/else,
 * range over maps, and the functions below). Helm itself cannot be installed
 * from the registries this project builds with, so the chart's output is
 * checked through this renderer; anything outside the subset is an error,
 * never silently passed through.
 */

type Value = unknown;
type Scope = { dot: Value; vars: Map<string, Value> };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: string }
  | { kind: 'if'; branches: { condition: string | undefined; body: Node[] }[] }
  | { kind: 'range'; keyVar: string; valueVar: string; pipeline: string; body: Node[] };

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
        const match = /^range\s+(\$\w+)\s*,\s*(\$\w+)\s*:=\s*(.+)$/.exec(action);
        if (!match) throw new Error(`unsupported range: ${action}`);
        const { nodes: body } = block(['end']);
        nodes.push({ kind: 'range', keyVar: match[1] ?? '', valueVar: match[2] ?? '', pipeline: match[3] ?? '', body });
      } else if (word.startsWith('/*')) {
        continue;
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

export class HelmRenderer {
  private readonly defines = new Map<string, Node[]>();

  constructor(private readonly chartDir: string) {
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
    const nodes = parseNodes(lex(readFileSync(join(this.chartDir, 'templates', name), 'utf8')), this.defines);
    return this.renderNodes(nodes, { dot: context, vars: new Map([['$', context]]) });
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
        case 'if': {
          const branch = node.branches.find((b) => b.condition === undefined || truthy(this.pipeline(b.condition, scope)));
          if (branch) out += this.renderNodes(branch.body, scope);
          break;
        }
        case 'range': {
          const collection = this.pipeline(node.pipeline, scope);
          if (typeof collection !== 'object' || collection === null) break;
          for (const key of Object.keys(collection).sort()) {
            const vars = new Map(scope.vars);
            vars.set(node.keyVar, key);
            vars.set(node.valueVar, (collection as Record<string, unknown>)[key]);
            out += this.renderNodes(node.body, { dot: scope.dot, vars });
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
    const args = rest.map((term) => this.term(term, scope));
    if (piped) args.push(piped.value);
    const fn = FUNCTIONS[head];
    if (fn) return fn(args, (name, dot) => this.include(name, dot));
    const value = this.term(head, scope);
    if (typeof value === 'function') return (value as (...a: Value[]) => Value)(...args);
    if (args.length > 0) throw new Error(`${head} is not a function`);
    return value;
  }

  private include(name: string, dot: Value): string {
    const nodes = this.defines.get(name);
    if (!nodes) throw new Error(`no template ${name}`);
    return this.renderNodes(nodes, { dot, vars: new Map([['$', dot]]) });
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
      if (!scope.vars.has(name)) throw new Error(`undefined variable ${name}`);
      return field(scope.vars.get(name), path);
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
  toYaml: ([value]) => stringify(value).trimEnd(),
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
  and: (args) => args.reduce((result, value) => (truthy(result) ? value : result)),
  or: (args) => args.find(truthy) ?? args[args.length - 1],
};

/** `helm template`: every manifest the chart renders with these values, as parsed objects. */
export function renderChart(chartDir: string, overrides: Record<string, unknown> = {}): { objects: K8sObject[]; notes: string } {
  const renderer = new HelmRenderer(chartDir);
  const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const context = renderer.context(deepMerge(defaults, overrides));
  const objects: K8sObject[] = [];
  for (const file of readdirSync(join(chartDir, 'templates')).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const document of renderer.renderFile(file, context).split(/^---$/m)) {
      const parsed = parse(document) as K8sObject | null;
      if (parsed) objects.push(parsed);
    }
  }
  return { objects, notes: renderer.renderFile('NOTES.txt', context) };
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
