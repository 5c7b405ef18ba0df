/** CPU time of the whole machine (from /proc/stat) and of this process; a child's is in process-cpu.ts. */
import { readFileSync } from 'node:fs';

// USER_HZ: /proc reports CPU times in ticks of 1/100 s on Linux.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds the machine has been busy so far, every core and everyone's processes. */
export function machineBusySeconds(): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds this process has used so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
