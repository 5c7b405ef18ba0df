import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOf, dockerignorePatterns, parseDockerfile, type Stage } from '../support/dockerfile.js';

const dockerfile = parseDockerfile(readFileSync('deploy/Dockerfile', 'utf8'));
const ignorePatterns = dockerignorePatterns(readFileSync('.dockerignore', 'utf8'));
const NOT_SHIPPED = ['bench', 'test', 'tooling'];
const underNotShipped = (path: string): boolean => NOT_SHIPPED.some((dir) => path === dir || path.startsWith(`${dir}/`));

/** Docker's pattern syntax: `*` and `?` stay within one path segment, `**` spans any number. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether Docker leaves a file out of the build context: the last pattern matching it or a folder above it decides. */
function ignored(path: string): boolean {
  const segments = path.split('/');
  const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
  let excluded = false;
  for (const pattern of ignorePatterns) {
    const negated = pattern.startsWith('!');
    const matcher = globToRegExp(negated ? pattern.slice(1) : pattern);
    if (candidates.some((candidate) => matcher.test(candidate))) excluded = !negated;
  }
  return excluded;
}

/** Files under a folder of the working tree, relative to the repository root, leaving out what `skip` says. */
function filesUnder(dir: string, skip: (path: string) => boolean = () => false): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (skip(path)) return [];
    if (entry.isDirectory()) return filesUnder(path, skip);
    return entry.isFile() ? [path] : [];
  });
}

function stage(name: string): Stage {
  const found = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`deploy/Dockerfile has no stage ${name}`);
  return found;
}

const copies = (of: Stage) => of.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map(copyOf);
const runs = (of: Stage) => of.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('the image build', () => {
  it('takes its Node base from NODE_IMAGE, so an engine with Docker Hub and a local base build the same Dockerfile', () => {
    expect(dockerfile.globalArgs.NODE_IMAGE).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(dockerfile.stages.map((s) => s.image)).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
  });

  it('sends no benchmark, test or tooling file in its build context, and everything the Dockerfile copies', () => {
    expect(NOT_SHIPPED.flatMap((dir) => filesUnder(dir)).length).toBeGreaterThan(50);
    // Docker skips an excluded folder whole unless an exception (`!`) pattern may take something in it back.
    const hasExceptions = ignorePatterns.some((pattern) => pattern.startsWith('!'));
    const context = filesUnder('.', (path) => !hasExceptions && ignored(path)).filter((file) => !ignored(file));
    expect(context.filter(underNotShipped)).toEqual([]);
    expect(context.filter((file) => /\.test\.ts$|(^|\/)vitest\.config\.ts$/.test(file))).toEqual([]);
    for (const copy of dockerfile.stages.flatMap(copies).filter((c) => c.from === undefined)) {
      for (const source of copy.sources) {
        expect(context.some((file) => file === source || file.startsWith(`${source}/`)), `${source} in the build context`).toBe(true);
      }
    }
  });

  it('copies named paths only into the build stage, none of them benchmarks, tests or tooling, and builds the shipped tsconfig', () => {
    const sources = copies(stage('build')).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(sources).toContain('services');
    expect(sources).toContain('shared');
    for (const source of sources) {
      expect(source, 'a named path, not the whole context or a pattern').toMatch(/^[\w.-]+(\/[\w.-]+)*$/);
      expect(source).not.toBe('.');
      expect(underNotShipped(source), source).toBe(false);
    }
    expect(runs(stage('build'))).toContain('npm run build:service');
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const compiled = [...(scripts['build:service'] ?? '').matchAll(/\btsc -p (\S+)/g)].map((match) => match[1]);
    expect(compiled).toEqual(['tsconfig.build.json']);
  });

  it('gives the runtime image production dependencies, the services, their shared code, the admin CLI and their assets, nothing else', () => {
    const runtime = stage('runtime');
    expect(dockerfile.stages.at(-1)).toBe(runtime);
    const fromContext = copies(runtime).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(fromContext.sort()).toEqual(['package-lock.json', 'package.json']);
    expect(runs(runtime).some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
    const fromBuild = copies(runtime).filter((c) => c.from !== undefined);
    expect(fromBuild.every((c) => c.from === 'build')).toBe(true);
    expect(fromBuild.flatMap((c) => c.sources).sort()).toEqual([
      '/app/dist/audio',
      '/app/dist/scripts/admin.js',
      '/app/dist/scripts/admin.js.map',
      '/app/dist/services',
      '/app/dist/shared',
      '/app/dist/widget',
    ]);
  });
});

describe("the shipped tsconfig's output tree", () => {
  let outDir: string;
  let emitted: string[];

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'shipped-build-'));
    // --noCheck: this is about which files are emitted; npm run typecheck checks the types.
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', outDir, '--noCheck', '--sourceMap', 'false'], {
      encoding: 'utf8',
      timeout: 55_000,
    });
    if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${tsc.stdout}${tsc.stderr}`);
    emitted = readdirSync(outDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(outDir, join(entry.parentPath, entry.name)));
  }, 60_000); // tsc takes seconds, more on a loaded machine

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('holds the services, their shared code and the admin CLI', () => {
    expect(emitted).toEqual(expect.arrayContaining(['services/api/main.js', 'services/worker/main.js', 'scripts/admin.js', 'shared/runtime/config.js']));
  });

  it('holds no benchmark, test or tooling file', () => {
    expect(emitted.filter(underNotShipped)).toEqual([]);
    expect([...new Set(emitted.map((file) => file.split('/')[0]))].sort()).toEqual(['scripts', 'services', 'shared']);
  });
});
