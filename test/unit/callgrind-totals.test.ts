import { describe, expect, it } from 'vitest';
import { callgrindTotals } from '../../bench/callgrind.js';

/** The head and tail of a dump written by `callgrind_control --dump` after counting was switched on late. */
const dump = (totals: string): string => `# callgrind format
version: 1
creator: callgrind-3.19.0
cmd:  /usr/bin/node dist/services/api/main.js
part: 3
events: Ir
summary: 0
fl=(1) ???
fn=(1) 0x000000000d1ceb80
0x1 5
${totals}
`;

describe('reading a callgrind dump', () => {
  it('takes the totals line, not the summary that stays 0 when counting starts late', () => {
    expect(callgrindTotals(dump('totals: 498361525'))).toBe(498_361_525);
  });

  it('refuses a dump without totals rather than counting it as no work', () => {
    expect(() => callgrindTotals(dump(''))).toThrow(/no totals/);
  });
});
