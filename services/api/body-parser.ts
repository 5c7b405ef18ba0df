import busboy from 'busboy';
import type { Middleware, ParameterizedContext } from 'koa';
import { koaBody } from 'koa-body';
import { AppError, badRequest } from '../../shared/domain/errors.js';
import { toAppError } from './wire/to-app-error.js';

const MAX_FIELDS = 50;

export const filesNotAccepted = (): AppError =>
  new AppError('files_not_accepted', 'File uploads are not accepted; send form fields only.');

const payloadTooLarge = (): AppError => new AppError('payload_too_large', 'Request body too large.');

/**
 * Parses JSON, urlencoded and multipart bodies into `ctx.request.body`, fields
 * only. Multipart goes through busboy in memory: a file part fails the request
 * with a 400 and nothing is ever written to disk (formidable, koa-body's own
 * multipart parser, streams every file part into the temp directory first).
 * Anything the parsers throw becomes a 4xx; errors of later handlers stay theirs.
 */
/**
 * What kind of body a request carries, by its media type, as the parsers
 * read it: exactly `application/json`, urlencoded form fields, or any
 * `multipart/*`; undefined for another type, no type, or no body. The same
 * answers as Koa's `ctx.is('json' | 'urlencoded' | 'multipart')`, without
 * type-is's full media-type parse on every request.
 */
export function bodyKind(ctx: Pick<ParameterizedContext, 'req'>): 'json' | 'form' | 'multipart' | undefined {
  const { headers } = ctx.req;
  const length = headers['content-length'];
  // As type-is counts one: a declared length, zero included, or a chunked body.
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && !Number.isNaN(Number(length)));
  const header = headers['content-type'];
  if (!hasBody || header === undefined) return undefined;
  const end = header.indexOf(';');
  const type = (end === -1 ? header : header.slice(0, end)).trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (/^multipart\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(type)) return 'multipart';
  return undefined;
}

export function fieldsOnlyBodyParser(limitBytes: number): Middleware {
  const parseJsonOrForm = koaBody({
    json: true,
    urlencoded: true,
    multipart: false,
    text: false,
    jsonLimit: limitBytes,
    formLimit: limitBytes,
  });
  return async (ctx, next) => {
    try {
      if (bodyKind(ctx) === 'multipart') ctx.request.body = await multipartFields(ctx, limitBytes);
      else await parseJsonOrForm(ctx, () => Promise.resolve());
    } catch (error) {
      const mapped = toAppError(error);
      if (mapped.status >= 500) throw badRequest('The request body could not be parsed.');
      // Past the limit the rest of the body may still be arriving: do not wait for it on this connection.
      if (mapped.status === 413) ctx.set('Connection', 'close');
      throw mapped;
    }
    await next();
  };
}

function multipartFields(ctx: ParameterizedContext, limitBytes: number): Promise<Record<string, string>> {
  const declared = Number(ctx.get('Content-Length'));
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(payloadTooLarge());
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        limits: { files: 0, fields: MAX_FIELDS, parts: MAX_FIELDS, fieldSize: limitBytes },
      });
    } catch {
      reject(badRequest('The multipart body is malformed.'));
      return;
    }
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    let received = 0;
    let settled = false;
    const fail = (error: AppError): void => {
      if (settled) return;
      settled = true;
      ctx.req.unpipe(parser);
      ctx.req.resume(); // discard the rest, in memory, without buffering it
      // Answer once the client has sent its (bounded) body: answering first and
      // closing would cut it off mid-write (EPIPE) before it reads the answer.
      if (error.status === 413 || ctx.req.readableEnded) reject(error);
      else {
        ctx.req.once('end', () => reject(error));
        ctx.req.once('close', () => reject(error));
      }
    };
    ctx.req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        fail(payloadTooLarge());
        reject(payloadTooLarge()); // also ends a wait for the rest of a body that turned out too large
      }
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) fail(payloadTooLarge());
      else fields[name] = value;
    });
    parser.on('file', (_name, stream) => {
      stream.resume();
      fail(filesNotAccepted());
    });
    parser.on('filesLimit', () => fail(filesNotAccepted()));
    parser.on('fieldsLimit', () => fail(badRequest(`At most ${MAX_FIELDS} fields are accepted.`)));
    parser.on('partsLimit', () => fail(badRequest(`At most ${MAX_FIELDS} parts are accepted.`)));
    parser.on('error', () => fail(badRequest('The multipart body is malformed.')));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      resolve({ ...fields });
    });
    ctx.req.on('error', () => fail(badRequest('The request body was cut off.')));
    ctx.req.pipe(parser);
  });
}
