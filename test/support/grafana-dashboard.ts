import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Type-checks a dashboard's JSON with tsc against @grafana/schema, Grafana's
 * own generated types: the dashboard model, and each panel's options and
 * field config against its panel plugin's types. Any field those types do not
 * know, a missing required one or a wrong value is an error. The types' string
 * enums are taken as their values, which is what the JSON holds. Errors as
 * tsc prints them; empty when the dashboard passes.
 */
export function dashboardTypeErrors(dashboard: unknown, label: string): string[] {
  const dir = join('test-output', 'grafana-types');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${label}.ts`);
  writeFileSync(
    file,
    `import type { Dashboard, FieldConfig, FieldConfigSource, Panel } from '@grafana/schema';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** The JSON form of a generated type: a string enum is the union of its values. */
type Json<T> = T extends string
  ? string extends T ? string : \`\${T}\`
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/** A panel of one plugin: its options and its field config's custom typed by the plugin (Panel's own type leaves both open). */
type PanelWith<Type extends string, Options, Custom> = Json<
  Omit<Panel, 'options' | 'fieldConfig'> & {
    type: Type;
    options: Options;
    fieldConfig?: Omit<FieldConfigSource, 'defaults'> & { defaults: Omit<FieldConfig, 'custom'> & { custom?: Custom } };
  }
>;

/** Every panel plugin the dashboard may use. */
type PanelOf = PanelWith<'timeseries', TimeSeries.Options, TimeSeries.FieldConfig>;

export const dashboard: Json<Omit<Dashboard, 'panels'>> & { panels: PanelOf[] } = ${JSON.stringify(dashboard, null, 2)};
`,
  );
  const result = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '--noEmit', '--strict', '--skipLibCheck', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--types', 'node', file],
    { encoding: 'utf8' },
  );
  if (result.status === 0) return [];
  const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
  return errors.length > 0 ? errors : [`tsc failed: ${result.stdout}${result.stderr}`];
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: every identifier that is not a
 * function or aggregation (those are followed by a parenthesis), a keyword, a
 * label (inside braces or grouping clauses), a string, a number or a duration.
 */
export function metricNames(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    // Numbers and durations (offset 5m, 1.5e3), but not the digits inside a name.
    .replace(/(?<![a-zA-Z0-9_:.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|[smhdwy])?(?![a-zA-Z0-9_:])/gi, '0');
  const names = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\()/g)]
    .filter((match) => {
      // A match cut short by the lookahead ("su" of "sum(") is part of a function name.
      const next = bare.charAt((match.index ?? 0) + match[0].length);
      return !/[a-zA-Z0-9_:]/.test(next);
    })
    .map((match) => match[0])
    .filter((name) => !KEYWORDS.has(name.toLowerCase()) && !/^\d/.test(name));
  return [...new Set(names)];
}
