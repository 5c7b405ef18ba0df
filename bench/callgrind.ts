/**
 * A Node process run under valgrind's callgrind, counting the instructions it
 * executes only inside the windows a benchmark opens. Instruction counts do
 * not move with the other work on a shared machine, as CPU time does (by a
 * third from minute to minute here), so a path and its reference can be
 * compared to a few per cent. They leave out the kernel's share (socket reads
 * and writes), which both sides of a comparison pay alike.
 *
 * Instrumentation starts off; each window zeroes the counters, switches them
 * on, runs the requests, switches them off and dumps the totals.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../shared/runtime/project-root.js';

const run = promisify(execFile);

/** The instructions a callgrind dump counted (its `totals:` line; `summary:` is 0 when counting started late). */
export function callgrindTotals(dump: string): number {
  const match = /^totals:\s+(\d+)/m.exec(dump);
  if (!match) throw new Error('the callgrind dump has no totals line');
  return Number(match[1]);
}

export interface CallgrindProcess {
  readonly child: ChildProcess;
  /** What the process printed so far. */
  readonly output: () => string;
  /** Instructions the process executed while `work` ran, and what `work` returned. */
  window<T>(work: () => Promise<T>): Promise<{ instructions: number; result: T }>;
  stop(): Promise<void>;
}

/** True where valgrind and callgrind_control are installed. */
export async function callgrindAvailable(): Promise<boolean> {
  try {
    await run('valgrind', ['--version']);
    await run('callgrind_control', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** Starts `node <script>` under callgrind with exactly the environment given. */
export function startUnderCallgrind(script: string, env: NodeJS.ProcessEnv): CallgrindProcess {
  const dir = mkdtempSync(join(tmpdir(), 'callgrind-'));
  const prefix = join(dir, 'vgdb');
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      // V8 writes and rewrites machine code on its heap; valgrind must notice.
      '--smc-check=all-non-file',
      `--vgdb-prefix=${prefix}`,
      `--callgrind-out-file=${join(dir, 'dump')}`,
      process.execPath,
      // Compiler and GC work on the main thread: valgrind runs one thread at a time, and helper threads waiting on each other count instructions by the wall-clock second.
      '--single-threaded',
      // V8 collects garbage when allocation per second falls, as it does when valgrind slows a process down: counts would depend on the clock.
      '--no-memory-reducer',
      script,
    ],
    { cwd: projectRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // vgdb names its pipes after the target's USER and HOST variables: the controller must see the same.
  const controlEnv = { ...process.env, USER: env.USER ?? '', HOST: env.HOST ?? '' };
  for (const name of ['USER', 'HOST'] as const) if (env[name] === undefined) delete controlEnv[name];
  const control = async (...args: string[]): Promise<void> => {
    await run('callgrind_control', [`--vgdb-prefix=${prefix}`, ...args, String(child.pid)], { env: controlEnv });
  };
  const dumps = (): string[] => readdirSync(dir).filter((name) => name.startsWith('dump'));

  return {
    child,
    output: () => output,
    async window(work) {
      for (const name of dumps()) rmSync(join(dir, name));
      await control('--zero');
      await control('--instr=on');
      let result;
      try {
        result = await work();
      } finally {
        await control('--instr=off');
      }
      await control('--dump');
      // The dump is written by the process itself, as it gets to it.
      for (let waited = 0; ; waited += 100) {
        const texts = dumps().map((name) => readFileSync(join(dir, name), 'utf8'));
        if (texts.length > 0 && texts.every((text) => /^totals:/m.test(text))) {
          return { instructions: texts.reduce((sum, text) => sum + callgrindTotals(text), 0), result };
        }
        if (waited > 30_000) throw new Error('callgrind wrote no dump');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
