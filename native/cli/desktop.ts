import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../core/entry-points';

/** The Electron binary when `npm install` could download it (never on offline machines), else undefined. */
export function electronBinary(): string | undefined {
  const dir = join(appRoot(), 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

function electronVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(appRoot(), 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Ensures better-sqlite3 is built for Electron's ABI (kept beside the Node build); returns why not if it cannot. */
export function ensureElectronSqlite(): string | undefined {
  const version = electronVersion();
  if (!version) return 'the electron package is not installed';
  if (existsSync(join(appRoot(), '.cache', 'electron-sqlite', version, 'better_sqlite3.node'))) return undefined;
  const build = spawnSync(process.execPath, [join(appRoot(), 'scripts', 'electron-sqlite.mjs')], { stdio: 'inherit' });
  return build.status === 0 ? undefined : 'better-sqlite3 could not be rebuilt for Electron (this needs internet once)';
}

export function launchDesktop(binary: string, library: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(binary, [appRoot(), `--library=${library}`], { stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
    child.on('exit', (code) => resolve(code ?? 0));
  });
}
