#!/usr/bin/env node
// The `likeness` command: runs the bundled CLI (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/node/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('likeness: the app is not built yet. Run `npm run build` in the Likeness folder, then try again.\n');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
