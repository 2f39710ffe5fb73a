import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { whyNoElectron } from './electron/availability';

/** Fails fast when the app is not built, and says up front which projects will skip and why. */
export default function globalSetup(): void {
  const root = join(import.meta.dirname, '..');
  if (!existsSync(join(root, 'dist', 'node', 'cli.mjs')) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    throw new Error('The app is not built: run `npm run build` before the e2e tests.');
  }
  const electron = whyNoElectron();
  console.log(electron ? `e2e: the electron project is skipped — ${electron}.` : 'e2e: the electron project runs against the real Electron binary.');
}
