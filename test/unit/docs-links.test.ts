import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const documents = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => join('docs', name))];

describe('the documentation', () => {
  it('links only to files that exist', () => {
    const broken: string[] = [];
    for (const document of documents) {
      for (const [, target] of readFileSync(document, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue; // external links
        if (!existsSync(join(dirname(document), target))) broken.push(`${document} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keeps the README a front door that links to every document in docs/', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.split('\n').length).toBeLessThan(200);
    for (const document of documents.filter((d) => d !== 'README.md')) expect(readme, document).toContain(`](${document})`);
  });
});
