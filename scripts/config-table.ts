/**
 * The configuration table of docs/configuration.md, generated from the config
 * module's own descriptions. `npm run docs:config` rewrites it; a unit test
 * fails when the document and the config module disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configDocs } from '../shared/runtime/config.js';
import { isMainModule } from '../shared/runtime/run-service.js';

const HEADER = '| variable | default | meaning |\n| --- | --- | --- |\n';

export function configTable(): string {
  const rows = configDocs().map(({ name, default: value, doc }) =>
    `| \`${name}\` | ${value === '' ? '(empty)' : `\`${value}\``} | ${doc.replace(/\|/g, '\\|')} |`,
  );
  return HEADER + rows.join('\n') + '\n';
}

/** The document with its configuration table (from the header to the first blank line) replaced. */
export function withConfigTable(document: string): string {
  const start = document.indexOf(HEADER);
  if (start < 0) throw new Error('no configuration table found');
  const blank = document.indexOf('\n\n', start);
  const end = blank < 0 ? document.length : blank + 1; // the table may end the document
  return document.slice(0, start) + configTable() + document.slice(end);
}

if (isMainModule(import.meta.url)) {
  const file = process.argv[2] ?? 'docs/configuration.md';
  writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')));
  process.stdout.write(`${file}: configuration table rewritten\n`);
}
