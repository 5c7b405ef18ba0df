import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/runtime/logger.js';

describe('logs', () => {
  it('keep a failed Redis command\'s name and drop its arguments, however the error is wrapped', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => { lines.push(chunk.toString()); done(); } });
    const logger = createLogger('api', 'info', sink);
    const replyError = Object.assign(new Error('OOM command not allowed when used memory > maxmemory'), {
      command: { name: 'evalsha', args: ['f00', '1', 'captcha:rate:issue:{203.0.113.9}', '2001:db8::7'] },
    });
    logger.error({ err: replyError }, 'request failed');
    logger.error({ err: Object.assign(new Error('store unavailable'), { cause: replyError }) }, 'request failed');
    const text = lines.join('');
    expect(lines).toHaveLength(2);
    expect(text).toContain('evalsha');
    expect(text).toContain('OOM command not allowed');
    expect(text).not.toContain('203.0.113.9');
    expect(text).not.toContain('2001:db8::7');
  });
});
