/**
 * The tables `npm run bench` prints: each hot path beside its reference
 * handler (CPU per request, throughput, the goal on their ratio), the paths'
 * latency at a fixed rate, and our siteverify beside its peers.
 */
import type { Measured } from './load-generator.js';
import type { CpuPerRequest } from './process-cpu.js';

export type Run = Measured & CpuPerRequest;

export interface PathRow {
  readonly name: string;
  /** What the reference handler does. */
  readonly reference: string;
  /** Most the path's CPU per request may be, as a multiple of its reference's; undefined where none is set. */
  readonly goal: number | undefined;
  /** Most Redis CPU per request the path may take, in µs; undefined where none is set. */
  readonly redisGoalUs?: number;
  /** The round whose ratio is the median. */
  readonly ours: Run;
  readonly referenceRun: Run;
  /** Every round's ratio, lowest first: how far the machine's noise moved it. */
  readonly roundRatios: readonly number[];
  /** The path at a fixed request rate. */
  readonly fixed: Measured;
}

export interface PeerRow {
  readonly name: string;
  /** What it does per request. */
  readonly work: string;
  readonly run: Run;
}

/** The most p99 may be at the fixed rate, in ms. */
export const FIXED_RATE_P99_GOAL_MS = 5;

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');

const ratioOf = (pair: { ours: Run; referenceRun: Run }): number => pair.ours.serverUs / pair.referenceRun.serverUs;

export const cpuRatio = (row: PathRow): number => ratioOf(row);

/**
 * Of rounds that each ran a path right after its reference, the one with the
 * median ratio (the lower middle of an even count), and every round's ratio.
 * On a shared machine one round can land on a noisy second; the median of
 * paired rounds is what a change should move.
 */
export function medianRound(pairs: readonly { ours: Run; referenceRun: Run }[]): { ours: Run; referenceRun: Run; roundRatios: number[] } {
  const sorted = [...pairs].sort((a, b) => ratioOf(a) - ratioOf(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new Error('no rounds to take a median of');
  return { ...median, roundRatios: sorted.map(ratioOf) };
}

/** Whether the row meets its CPU goals; undefined where it has none. */
export function meetsGoal(row: PathRow): boolean | undefined {
  if (row.goal === undefined) return undefined;
  const redisMet = row.redisGoalUs === undefined || row.ours.redisUs <= row.redisGoalUs;
  return cpuRatio(row) <= row.goal && redisMet;
}

const yesNo = (met: boolean | undefined): string => (met === undefined ? '—' : met ? 'yes' : 'no');

function goalText(row: PathRow): string {
  if (row.goal === undefined) return '—';
  return `≤ ${fmt(row.goal, 2)}×${row.redisGoalUs === undefined ? '' : `, Redis ≤ ${fmt(row.redisGoalUs)} µs`}`;
}

export function pathTable(rows: readonly PathRow[]): string[] {
  return [
    '| path | reference | ours µs CPU/req | reference µs CPU/req | ratio (median round) | ratio, every round | goal | met? | ours req/s | reference req/s | ours Redis µs/req | reference Redis µs/req | ours Redis commands/req | reference Redis commands/req | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.reference} | ${fmt(r.ours.serverUs)} | ${fmt(r.referenceRun.serverUs)} | ${fmt(cpuRatio(r), 2)} | ${r.roundRatios.map((x) => fmt(x, 2)).join(', ')} | ${goalText(r)} | ${yesNo(meetsGoal(r))} | ${fmt(r.ours.rps)} | ${fmt(r.referenceRun.rps)} | ${fmt(r.ours.redisUs, 1)} | ${fmt(r.referenceRun.redisUs, 1)} | ${fmt(r.ours.redisCalls, 2)} | ${fmt(r.referenceRun.redisCalls, 2)} | ${r.ours.errors + r.referenceRun.errors} |`,
    ),
  ];
}

export function latencyTable(rows: readonly PathRow[], fixedRate: number): string[] {
  return [
    `| path | p50 full speed (ms) | p99 full speed (ms) | p50 @ ${String(fixedRate)}/s (ms) | p99 @ ${String(fixedRate)}/s (ms) | goal | met? | errors |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.ours.p50, 1)} | ${fmt(r.ours.p99, 1)} | ${fmt(r.fixed.p50, 1)} | ${fmt(r.fixed.p99, 1)} | p99 ≤ ${String(FIXED_RATE_P99_GOAL_MS)} ms | ${yesNo(r.fixed.p99 <= FIXED_RATE_P99_GOAL_MS)} | ${r.fixed.errors} |`,
    ),
  ];
}

/** Requests one core could serve at this CPU cost. */
const perCore = (run: Run): number => 1e6 / run.serverUs;

/** Our siteverify first, then the peers, each against ours. */
export function peerTable(ours: PeerRow, peers: readonly PeerRow[]): string[] {
  return [
    '| server | per request | µs CPU/req | req per CPU-second | Redis µs/req | Redis commands/req | req/s | ours per core ÷ theirs | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[ours, ...peers].map(
      (p) =>
        `| ${p.name} | ${p.work} | ${fmt(p.run.serverUs)} | ${fmt(perCore(p.run))} | ${fmt(p.run.redisUs, 1)} | ${fmt(p.run.redisCalls, 2)} | ${fmt(p.run.rps)} | ${fmt(perCore(ours.run) / perCore(p.run), 2)} | ${p.run.errors} |`,
    ),
  ];
}
