import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstSegment, routeBySegment } from '../../services/api/route-by-segment.js';

describe('routing by first path segment', () => {
  it('reads the first segment as the router matches paths: case-insensitively, with or without a trailing slash', () => {
    expect(firstSegment('/3.0/captcha/getImage/x')).toBe('3.0');
    expect(firstSegment('/healthz')).toBe('healthz');
    expect(firstSegment('/healthz/')).toBe('healthz');
    expect(firstSegment('/API/v2/captcha/siteverify')).toBe('api');
    expect(firstSegment('/')).toBe('');
  });

  let base = '';
  let close: () => void = () => undefined;
  beforeAll(async () => {
    const items = new Router();
    items.get('/items/:id', (ctx) => {
      ctx.body = { id: ctx.params.id, route: ctx._matchedRoute };
    });
    const other = new Router();
    other.post('/other', (ctx) => {
      ctx.body = { other: true };
    });
    // A route registered on the wrong segment's router is never reached.
    other.get('/items/hidden', (ctx) => {
      ctx.body = { hidden: true };
    });
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
        if (ctx.status === 404 && ctx.body === undefined) {
          ctx.body = { fellThrough: true };
          ctx.status = 404;
        }
      } catch (error) {
        ctx.status = (error as { status?: number }).status ?? 500;
        ctx.body = { error: (error as Error).message };
      }
    });
    app.use(routeBySegment({ items, other }, { throw: true }));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    close = () => server.close();
  });
  afterAll(() => close());

  const get = async (path: string, method = 'GET') => {
    const response = await fetch(`${base}${path}`, { method });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('hands a request to its segment\'s router, which answers with its route template', async () => {
    expect(await get('/items/7')).toEqual({ status: 200, body: { id: '7', route: '/items/:id' } });
    expect(await get('/ITEMS/7/')).toEqual({ status: 200, body: { id: '7', route: '/items/:id' } });
    expect(await get('/other', 'POST')).toEqual({ status: 200, body: { other: true } });
    expect((await get('/items/hidden')).body).toEqual({ id: 'hidden', route: '/items/:id' });
  });

  it('answers another method on a known path with that router\'s 405, and lets unknown paths fall through', async () => {
    expect((await get('/other')).status).toBe(405);
    expect((await get('/items/7', 'POST')).status).toBe(405);
    expect(await get('/nowhere/items/7')).toEqual({ status: 404, body: { fellThrough: true } });
    expect(await get('/items')).toEqual({ status: 404, body: { fellThrough: true } });
  });

  it('refuses a segment it could never match', () => {
    expect(() => routeBySegment({ Items: new Router() }, {})).toThrow(/lower-case first path segment/);
    expect(() => routeBySegment({ 'a/b': new Router() }, {})).toThrow(/lower-case first path segment/);
  });
});
