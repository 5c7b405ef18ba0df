import { describe, expect, it } from 'vitest';
import { clientId } from '../../shared/domain/abuse/client-id.js';
import { checksFor, type DefaultLimits } from '../../shared/domain/abuse/rate-limits.js';

describe('client ids', () => {
  it('keep IPv4 addresses, and IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(clientId('203.0.113.7')).toBe('203.0.113.7');
    expect(clientId('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientId('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('count an IPv6 address by its /64, however it is written', () => {
    const net = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:9', '2001:db8:1:2::192.0.2.1', '2001:db8:1:2::1%eth0']) {
      expect(clientId(ip), ip).toBe(net);
    }
    expect(clientId('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientId('::1')).toBe('0:0:0:0::/64');
    expect(clientId('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('pass anything else through unchanged', () => {
    expect(clientId('')).toBe('');
    expect(clientId('not-an-ip')).toBe('not-an-ip');
  });
});

describe('rate-limit checks', () => {
  const defaults: DefaultLimits = { issuePerMinute: 300, solvePerMinute: 200, siteverifyPerMinute: 6000, audioPerMinute: 60, liveCaptchasPerClient: 150, captchaTtlSeconds: 300 };

  it('count every issue in one per-minute bucket and the live-captcha bucket', () => {
    expect(checksFor('issue', defaults)).toEqual([
      { bucket: 'issue', windowSeconds: 60, threshold: 300 },
      { bucket: 'issue-live', windowSeconds: 300, threshold: 150 },
    ]);
  });

  it('give a site another threshold on the same counter, not a counter of its own', () => {
    const site = { limits: { issuePerMinute: 20, solvePerMinute: 10 } };
    expect(checksFor('issue', defaults, site)[0]).toEqual({ bucket: 'issue', windowSeconds: 60, threshold: 20 });
    expect(checksFor('solve', defaults, site)).toEqual([{ bucket: 'solve', windowSeconds: 60, threshold: 10 }]);
  });

  it('never let a site lift the live-captcha cap: 0 only drops its per-minute limit', () => {
    expect(checksFor('issue', defaults, { limits: { issuePerMinute: 0 } })).toEqual([{ bucket: 'issue-live', windowSeconds: 300, threshold: 150 }]);
  });

  it('turn a limit off with 0 in the defaults', () => {
    const off = { ...defaults, issuePerMinute: 0, liveCaptchasPerClient: 0, siteverifyPerMinute: 0, audioPerMinute: 0 };
    expect(checksFor('issue', off)).toEqual([]);
    expect(checksFor('siteverify', off)).toEqual([]);
    expect(checksFor('audio', off)).toEqual([]);
  });

  it('count audio in a bucket of its own, which no site setting changes', () => {
    const site = { limits: { issuePerMinute: 20, solvePerMinute: 10 } };
    expect(checksFor('audio', defaults, site)).toEqual([{ bucket: 'audio', windowSeconds: 60, threshold: 60 }]);
  });
});
