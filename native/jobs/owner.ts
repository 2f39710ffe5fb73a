import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Identifies the process that owns (runs) a job: host, pid and start time. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${Date.now()}`;
}

const HEARTBEAT_STALE_MS = 60_000;

/**
 * Whether the process named by `owner` may still be working on its jobs. A dead pid on this host, or a
 * running job whose heartbeat stopped, means the owner crashed or was killed.
 */
export function ownerAlive(owner: string | null, heartbeatAt: number | null, status: 'queued' | 'running', self: string): boolean {
  if (!owner || owner === self) return false;
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (status === 'running' && heartbeatAt !== null && Date.now() - heartbeatAt > HEARTBEAT_STALE_MS) return false;
  if (host !== hostname()) return status === 'running' && heartbeatAt !== null;
  if (!Number.isInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process killed a moment ago stays a zombie until its parent reaps it (~2 s): signals still "reach" it.
  return !isZombie(pid);
}

/** Linux: the process exited and only its entry remains (state Z in /proc/<pid>/stat). Elsewhere: unknown, false. */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state …": the command may contain spaces and parentheses; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
