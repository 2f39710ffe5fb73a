import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronBinary } from '../../native/cli/desktop';

const root = join(import.meta.dirname, '..', '..');

/** Why the Electron desktop tests cannot run on this machine, or undefined when they can. */
export function whyNoElectron(): string | undefined {
  if (!electronBinary()) return 'the Electron binary is not installed (offline install; run `npm run electron:install` where online)';
  const version = (JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
  if (!existsSync(join(root, '.cache', 'electron-sqlite', version, 'better_sqlite3.node'))) {
    return 'better-sqlite3 is not built for Electron yet (run `npm run electron:rebuild-sqlite`, which needs internet once)';
  }
  if (process.platform === 'linux' && !process.env.DISPLAY) return 'no display (run the tests under xvfb-run)';
  return undefined;
}
