import { spawnSync } from 'node:child_process';

/**
 * Whether a neighbouring tool the tests run is installed (exiftool, espeak-ng …): undefined when it runs, else
 * the reason the tests skip. Under CI=true a missing tool is an error: .ci/run installs every one, and CI must
 * never pass by skipping.
 */
export function missingTool(command: string, versionArgs: string[], install: string): string | undefined {
  const ran = spawnSync(command, versionArgs, { stdio: 'ignore', timeout: 30_000 });
  if (!ran.error && ran.status === 0) return undefined;
  const reason = `${command} is not installed (${install})`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${reason}; CI requires it`);
  return reason;
}
