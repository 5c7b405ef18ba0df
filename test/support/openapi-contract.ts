import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

// ajv-formats is CommonJS: imported from ESM, the plugin is its `default` property.
const addFormats = ajvFormats.default;

/** One request as sent and the response as received, body read in full (absent for HEAD). */
export interface Exchange {
  readonly method: string;
  readonly url: URL;
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer | undefined;
}

export interface Verdict {
  /** The described operation the exchange belongs to; undefined for an unlisted path or method. */
  readonly operationId: string | undefined;
  readonly problems: readonly string[];
}

interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  readonly literalSegments: number;
  readonly operations: Readonly<Record<string, Record<string, unknown>>>;
}

type OpenApiDocument = { paths: Record<string, Record<string, Record<string, unknown>>> } & Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** The error scopes the description's introduction names: the classic API's two versions, as the service matches them. */
const CLASSIC_SCOPE = /^\/([23]\.0)\/captcha/i;
const SITEVERIFY_PATH = '/api/v2/captcha/siteverify';

/** A JSON pointer into the description, as a URI fragment (`#/paths/~1healthz/get`). */
export const pointer = (...tokens: string[]): string =>
  '#/' + tokens.map((token) => encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/**
 * Checks real HTTP exchanges against an OpenAPI 3.1 description: the path and
 * method must be described (or answered as the description's introduction says
 * unlisted ones are), the status listed for the operation, the content type one
 * of its media types, required headers present, and a JSON body valid against
 * its schema (JSON Schema 2020-12, with ajv in strict mode).
 */
export class OpenApiContract {
  private readonly routes: Route[];
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    // The description is added whole so that schemas can be compiled by JSON pointer and their $refs resolve;
    // its top-level fields are not schema keywords, and strict mode has to be told so.
    this.ajv.addVocabulary(Object.keys(document));
    this.ajv.addSchema(document, 'openapi');
    this.routes = Object.entries(document.paths).map(([template, item]) => {
      const segments = template.split('/').filter((segment) => segment !== '');
      const source = segments.map((segment) => (/^\{.+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
      return {
        template,
        pattern: new RegExp(`^/${source}/?$`, 'i'),
        literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
        operations: Object.fromEntries(Object.entries(item).filter(([method]) => METHODS.includes(method))),
      };
    });
  }

  /** Every described operation's id, for the record of what the tests exercised. */
  operationIds(): string[] {
    return this.routes.flatMap((route) => Object.values(route.operations).map((operation) => String(operation.operationId)));
  }

  /** Compiles every schema the description holds, so a schema ajv refuses fails at once rather than on first use. */
  compileAll(): void {
    for (const route of this.routes) {
      for (const [method, operation] of Object.entries(route.operations)) {
        for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>)) {
          for (const mediaType of Object.keys(response.content ?? {})) {
            this.validator(pointer('paths', route.template, method, 'responses', status, 'content', mediaType, 'schema'));
          }
        }
      }
    }
  }

  /** A validator for the schema at a JSON pointer into the description. */
  validator(at: string): ValidateFunction {
    let validate = this.validators.get(at);
    if (!validate) {
      validate = this.ajv.getSchema(`openapi${at}`);
      if (!validate) throw new Error(`no schema at ${at}`);
      this.validators.set(at, validate);
    }
    return validate;
  }

  check(exchange: Exchange): Verdict {
    const path = exchange.url.pathname;
    const method = exchange.method.toLowerCase();
    const route = this.route(path);
    const what = `${exchange.method} ${path} → ${exchange.status}`;
    if (!route) return { operationId: undefined, problems: this.fallback(exchange, 404, 'not_found').map((problem) => `${what}: ${problem}`) };
    const operation = route.operations[method] ?? (method === 'head' ? route.operations.get : undefined);
    if (!operation) {
      // siteverify answers every method itself (405 in its envelope); elsewhere OPTIONS lists the allowed methods.
      const listsMethods = method === 'options' && !isSiteverify(path);
      const problems = listsMethods ? this.allowList(exchange) : this.fallback(exchange, 405, 'method_not_allowed');
      return { operationId: undefined, problems: problems.map((problem) => `${what}: ${problem}`) };
    }
    const operationMethod = route.operations[method] ? method : 'get';
    const problems = this.checkResponse(exchange, route.template, operationMethod, operation);
    return { operationId: String(operation.operationId), problems: problems.map((problem) => `${what} (${String(operation.operationId)}): ${problem}`) };
  }

  private route(path: string): Route | undefined {
    return this.routes
      .filter((route) => route.pattern.test(path))
      .sort((a, b) => b.literalSegments - a.literalSegments)[0];
  }

  private checkResponse(exchange: Exchange, template: string, method: string, operation: Record<string, unknown>): string[] {
    const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
    const statusKey = [String(exchange.status), `${String(exchange.status).charAt(0)}XX`, 'default'].find((key) => key in responses);
    if (!statusKey) return [`status ${exchange.status} is not described (described: ${Object.keys(responses).join(', ')})`];
    const response = responses[statusKey] ?? {};
    const problems = this.checkHeaders(exchange, response.headers ?? {});
    const at = (...tokens: string[]) => pointer('paths', template, method, 'responses', statusKey, ...tokens);
    const mediaTypes = Object.keys(response.content ?? {});
    const contentType = exchange.headers.get('content-type');
    if (mediaTypes.length === 0) {
      if (exchange.body && exchange.body.length > 0) problems.push(`a body came (${contentType ?? 'no content type'}) where none is described`);
      return problems;
    }
    const essence = contentType?.split(';')[0]?.trim().toLowerCase();
    const mediaType = mediaTypes.find((candidate) => candidate.toLowerCase() === essence);
    if (!mediaType) return [...problems, `content type ${contentType ?? '(none)'} is not one of ${mediaTypes.join(', ')}`];
    if (exchange.body === undefined) return problems; // HEAD
    const schema = (response.content?.[mediaType] as { schema?: { contentMediaType?: string } } | undefined)?.schema;
    if (!schema || schema.contentMediaType !== undefined) {
      if (exchange.body.length === 0) problems.push('the binary body is empty');
      return problems;
    }
    let value: unknown;
    if (mediaType === 'application/json') {
      try {
        value = JSON.parse(exchange.body.toString('utf8'));
      } catch {
        return [...problems, 'the body is not JSON'];
      }
    } else {
      value = exchange.body.toString('utf8');
    }
    const validate = this.validator(at('content', mediaType, 'schema'));
    if (!validate(value)) problems.push(`body ${this.ajv.errorsText(validate.errors)}: ${excerpt(value)}`);
    return problems;
  }

  private checkHeaders(exchange: Exchange, described: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const [name, header] of Object.entries(described)) {
      const resolved = this.resolve(header) as { required?: boolean; schema?: unknown };
      const value = exchange.headers.get(name);
      if (value === null) {
        if (resolved.required) problems.push(`required header ${name} is missing`);
        continue;
      }
      if (resolved.schema) {
        const validate = this.ajv.compile(resolved.schema);
        if (!validate(value)) problems.push(`header ${name}: ${this.ajv.errorsText(validate.errors)}`);
      }
    }
    return problems;
  }

  private resolve(node: unknown): unknown {
    const reference = (node as { $ref?: string }).$ref;
    if (!reference) return node;
    return reference
      .slice(2)
      .split('/')
      .reduce<unknown>((at, token) => (at as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')], this.document);
  }

  /** An unlisted path or method: the error with that code, in the envelope of the path's scope. */
  private fallback(exchange: Exchange, status: number, code: string): string[] {
    if (exchange.status !== status) return [`an unlisted ${status === 404 ? 'path' : 'method'} must answer ${status} ${code}`];
    if (!exchange.headers.get('content-type')?.startsWith('application/json') || !exchange.body) return ['the error is not JSON'];
    const body = JSON.parse(exchange.body.toString('utf8')) as Record<string, unknown>;
    const path = exchange.url.pathname;
    const classic = CLASSIC_SCOPE.exec(path);
    const siteverify = isSiteverify(path);
    const envelope = classic ? (classic[1] === '2.0' ? 'ClassicV2Error' : 'ClassicV3Error') : siteverify ? 'SiteverifyFailure' : 'Error';
    const validate = this.validator(pointer('components', 'schemas', envelope));
    if (!validate(body)) return [`${envelope}: ${this.ajv.errorsText(validate.errors)}: ${excerpt(body)}`];
    const answered = classic
      ? (body.errors as { code: string }).code
      : siteverify
        ? (body.error as { error_code: string }).error_code
        : (body.error as { code: string }).code;
    return answered === code ? [] : [`code ${answered}, expected ${code}`];
  }

  /** OPTIONS on a path without a described preflight lists the allowed methods. */
  private allowList(exchange: Exchange): string[] {
    if (exchange.status !== 200 || !exchange.headers.get('allow')) return ['OPTIONS must answer 200 with an Allow header'];
    return [];
  }
}

function isSiteverify(path: string): boolean {
  return path.replace(/\/$/, '').toLowerCase() === SITEVERIFY_PATH;
}

function excerpt(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
