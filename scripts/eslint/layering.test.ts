import { ESLint, RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import likeness from './layering.mjs';

const rule = likeness.rules.layering;
/** The quoted module name, kept in one place: these strings are planted violations, not imports of this file. */
const ELECTRON = `'${'electron'}'`;

describe('likeness/layering rule', () => {
  const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' } });

  it('accepts the allowed directions and rejects the forbidden ones', () => {
    // RuleTester throws on any mismatch; cwd is the project root, filenames are project-relative.
    tester.run('layering', rule as never, {
      valid: [
        { filename: 'electron/main/main.ts', code: `import { app } from ${ELECTRON}; import { createStudio } from '../../native/studio/studio';` },
        { filename: 'native/inference/probe-providers.ts', code: "import * as ort from 'onnxruntime-node';" },
        { filename: 'native/catalog/sqlite.ts', code: "import Database from 'better-sqlite3';" },
        { filename: 'renderer/src/api/index.ts', code: "import { createStudioClient } from '../../../native/api';" },
        { filename: 'renderer/vite.config.ts', code: "import { fileURLToPath } from 'node:url';" },
        { filename: 'native/server/server.ts', code: "import type { Studio } from '../studio/studio';" },
        { filename: 'native/api/contract.ts', code: "import { z } from 'zod'; import { Id } from './schemas';" },
      ],
      invalid: [
        {
          filename: 'native/catalog/catalog.ts',
          code: `import { app } from ${ELECTRON};`,
          errors: [{ message: /only electron\/ may import 'electron'/ }],
        },
        { filename: 'renderer/src/x.ts', code: `const { ipcRenderer } = require(${ELECTRON});`, errors: 1 },
        { filename: 'native/catalog/x.ts', code: "import * as ort from 'onnxruntime-node';", errors: [{ message: /native\/inference/ }] },
        { filename: 'renderer/src/app/App.tsx', code: "import { readFile } from 'node:fs/promises';", errors: [{ message: /runs in the browser/ }] },
        { filename: 'renderer/src/app/App.tsx', code: "import sharp from 'sharp';", errors: 1 },
        {
          filename: 'renderer/src/app/App.tsx',
          code: "import { Catalog } from '../../../native/catalog/catalog';",
          errors: [{ message: /only use native\/api/ }],
        },
        { filename: 'native/api/schemas.ts', code: "import { readFileSync } from 'node:fs';", errors: [{ message: /only zod/ }] },
        { filename: 'native/api/schemas.ts', code: "import { Catalog } from '../catalog/catalog';", errors: [{ message: /must stay pure/ }] },
        { filename: 'native/catalog/x.ts', code: "import { createStudio } from '../studio/studio';", errors: [{ message: /composition root/ }] },
        { filename: 'native/studio/x.ts', code: "import { startServer } from '../server/server';", errors: [{ message: /host/ }] },
        { filename: 'native/catalog/x.ts', code: "export * from '../../electron/main/media';", errors: [{ message: /must not depend on electron/ }] },
        { filename: 'native/catalog/x.ts', code: `const m = await import(${ELECTRON});`, errors: 1 },
      ],
    });
  });

  it('fails the real lint configuration on a planted violation', async () => {
    const eslint = new ESLint({ cwd: process.cwd() });
    const [result] = await eslint.lintText(`import { ipcRenderer } from ${ELECTRON};\nexport const bridge = ipcRenderer;\n`, {
      filePath: 'renderer/src/planted-violation.ts',
    });
    const layering = result!.messages.filter((m) => m.ruleId === 'likeness/layering');
    expect(layering).toHaveLength(1);
    expect(layering[0]!.severity).toBe(2);
    expect(layering[0]!.message).toMatch(/electron/);
  });
});
