import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface LibraryPaths {
  root: string;
  database: string;
  objects: string;
  /** Where temp files are written before their atomic rename into objects/. */
  objectsTmp: string;
  /** Files found in objects/ that no row references (kept, never deleted silently). */
  orphans: string;
  models: string;
  logs: string;
}

/** The per-OS application-data folder (the same for the desktop app and the CLI). */
export function defaultLibraryRoot(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = homedir();
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Likeness');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Likeness');
    default:
      return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'likeness');
  }
}

/** `--library DIR`, else `LIKENESS_HOME`, else the per-OS app-data folder. */
export function resolveLibraryRoot(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.LIKENESS_HOME) return resolve(env.LIKENESS_HOME);
  return defaultLibraryRoot(process.platform, env);
}

export function libraryPaths(root: string): LibraryPaths {
  const abs = resolve(root);
  return {
    root: abs,
    database: join(abs, 'catalog.sqlite'),
    objects: join(abs, 'objects'),
    objectsTmp: join(abs, 'objects', '.tmp'),
    orphans: join(abs, 'orphans'),
    models: join(abs, 'models'),
    logs: join(abs, 'logs'),
  };
}
