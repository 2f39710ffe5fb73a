// After `npm install`: fetch the Electron binary where the network allows. Its own install script is
// switched off in package.json (allowScripts) so that offline installs succeed; this tries it once,
// briefly, and never fails the install — `likeness serve` works without it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const installer = join(process.cwd(), 'node_modules', 'electron', 'install.js');
if (process.env.LIKENESS_SKIP_ELECTRON_DOWNLOAD || process.env.CI || !existsSync(installer)) process.exit(0);
if (existsSync(join(process.cwd(), 'node_modules', 'electron', 'path.txt'))) process.exit(0);
const result = spawnSync(process.execPath, [installer], { stdio: 'pipe', timeout: 180_000, encoding: 'utf8' });
if (result.status === 0) console.log('likeness: Electron binary installed; `npm start` opens the desktop app.');
else {
  const lines = (result.stderr || result.error?.message || '').split('\n');
  const reason = (lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '').trim() || 'timed out';
  console.log(`likeness: the Electron binary could not be downloaded (${reason}).`);
  console.log('likeness: `npm start` will serve the UI to your browser instead; run `npm run electron:install` later to get the desktop app.');
}
