import { describe, expect, it } from 'vitest';
import { SiteLabels } from '../../shared/adapters/metrics/site-labels.js';

describe('SiteLabels', () => {
  it('labels the first sites by sitekey and the rest as "other"', () => {
    const labels = new SiteLabels(2);
    expect(labels.labelFor('FCA')).toBe('FCA');
    expect(labels.labelFor('FCB')).toBe('FCB');
    expect(labels.labelFor('FCC')).toBe('other');
    expect(labels.labelFor('FCA')).toBe('FCA');
    expect(labels.labelFor('FCD')).toBe('other');
  });

  it('with a cap of 0 puts every site under "other"', () => {
    expect(new SiteLabels(0).labelFor('FCA')).toBe('other');
  });
});
