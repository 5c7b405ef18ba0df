import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { bodyKind } from '../../services/api/body-parser.js';

/** A request with these headers, as far as the body checks read one. */
const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as IncomingMessage;

const app = new Koa();

/** Koa's own answer, from `ctx.is(...)`. */
function koaKind(req: IncomingMessage): 'json' | 'form' | 'multipart' | undefined {
  const match = app.createContext(req, {} as ServerResponse).is('json', 'urlencoded', 'multipart');
  if (!match) return undefined;
  return match === 'json' ? 'json' : match === 'urlencoded' ? 'form' : 'multipart';
}

describe('the body kind of a request', () => {
  const types = [
    'application/json', 'Application/JSON; charset=utf-8', ' application/json ;charset=utf-8', 'application/json-patch+json',
    'application/vnd.api+json', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8',
    'multipart/form-data; boundary=x', 'MULTIPART/mixed; boundary=y', 'multipart/', 'text/plain', 'text/json', 'application/jsonx',
    'application/json garbage', '', 'json', 'application/xml',
  ];
  const bodies: Record<string, string>[] = [{ 'content-length': '12' }, { 'transfer-encoding': 'chunked' }, { 'content-length': '0' }, {}];

  it('is what Koa\'s ctx.is says, for every media type with and without a body', () => {
    for (const type of types) {
      for (const body of bodies) {
        const req = request({ 'content-type': type, ...body });
        expect(bodyKind({ req }), `${type} ${JSON.stringify(body)}`).toBe(koaKind(req));
      }
    }
    expect(bodyKind({ req: request({ 'content-length': '12' }) })).toBeUndefined();
  });

  it('names the kinds the parsers read', () => {
    expect(bodyKind({ req: request({ 'content-type': 'application/json', 'content-length': '2' }) })).toBe('json');
    expect(bodyKind({ req: request({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' }) })).toBe('form');
    expect(bodyKind({ req: request({ 'content-type': 'multipart/form-data; boundary=b', 'transfer-encoding': 'chunked' }) })).toBe('multipart');
  });
});
