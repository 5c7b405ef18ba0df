import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from '@koa/router';
import { projectRoot } from '../../../shared/runtime/project-root.js';
import { openApiDocument } from '../openapi/openapi-document.js';

/** The service's version, as package.json gives it: the description's `info.version`. */
function serviceVersion(): string {
  const { version } = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : '0.0.0';
}

/** GET /openapi.json: the OpenAPI 3.1 description of this port, built once. */
export function openApiRoutes(): Router {
  const router = new Router();
  const body = JSON.stringify(openApiDocument(serviceVersion()));
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    // Documentation viewers on other origins may read it; it holds nothing private.
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = body;
  });
  return router;
}
