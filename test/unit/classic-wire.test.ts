import { describe, expect, it } from 'vitest';
import { tornevallDate } from '../../services/api/wire/classic-wire.js';

describe('the v3 issue date', () => {
  it('is the UTC second of the issue, whichever second came before it', () => {
    const at = Date.UTC(2026, 10, 22, 9, 41, 53, 999);
    expect(tornevallDate(at)).toBe('2026-11-22 09:41:53');
    expect(tornevallDate(at - 999)).toBe('2026-11-22 09:41:53');
    expect(tornevallDate(at + 1)).toBe('2026-11-22 09:41:54');
    // An earlier second after a later one (clocks of other pods, a late request) is formatted afresh.
    expect(tornevallDate(Date.UTC(1999, 11, 31, 23, 59, 59, 500))).toBe('1999-12-31 23:59:59');
    expect(tornevallDate(at)).toBe('2026-11-22 09:41:53');
  });
});
