import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './testModel.js';

const eslint = new ESLint({ cwd: repoRoot });
// spelled in two parts so that no file in core/ contains a literal import of it
const E = ['elec', 'tron'].join('');

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, file) });
  return (result?.messages ?? []).filter((m) => /no-restricted-imports/.test(m.ruleId ?? '')).map((m) => m.message);
}

/** The layering of DESIGN §8 is enforced by lint: each forbidden import below must be reported. */
describe('layering rules', () => {
  it.each([
    ['core/contracts/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", /no Node built-ins/],
    ['core/emotion/common/x.ts', "import { x } from '../node/service.js';\nexport const y = x;", /never import node\/ code/],
    ['core/emotion/node/x.ts', "import s from '../../identity/node/service.js';\nexport const y = s;", /never imports another service's node\/ code/],
    ['core/emotion/node/x.ts', `import { app } from '${E}';\nexport const y = app;`, /only main\/ and preload\/ may import electron/],
    ['core/api/x.ts', "import s from '../identity/node/service.js';\nexport const y = s;", /never their node\/ code/],
    ['core/host/x.ts', "import s from '../memory-episodic/node/service.js';\nexport const y = s;", /never their node\/ code/],
    ['core/runtime/node/x.ts', "import { identityContract } from '../../identity/common/contract.js';\nexport const y = identityContract;", /does not know any service/],
    ['main/x.ts', "import s from '../core/identity/node/service.js';\nexport const y = s;", /main\/ never imports a service's node\/ code/],
    ['renderer/src/x.ts', "import { appRouter } from '../../core/api/router';\nexport const y = appRouter;", /only import types from core/],
    ['renderer/src/x.ts', `import { ipcRenderer } from '${E}';\nexport const y = ipcRenderer;`, /only main\/ and preload\/ may import electron/],
    ['renderer/src/x.ts', "import { join } from 'node:path';\nexport const y = join;", /no Node built-ins/],
    ['preload/x.ts', "import { x } from '../core/contracts/index.js';\nexport const y = x;", /only the tRPC bridge/],
  ])('%s: %s is refused', async (file, code, message) => {
    const messages = await restricted(file, code);
    expect(messages.join('\n')).toMatch(message);
  });

  it.each([
    ['core/emotion/node/x.ts', "import { identityContract } from '../../identity/common/contract.js';\nimport { migrate } from '../../runtime/node/migrations.js';\nexport const y = [identityContract, migrate];"],
    ['renderer/src/x.ts', "import type { AppRouter } from '../../core/api/router';\nexport type Y = AppRouter;"],
    ['main/x.ts', `import { app } from '${E}';\nimport { Supervisor } from '../core/runtime/node/supervisor.js';\nexport const y = [app, Supervisor];`],
  ])('%s: allowed imports pass', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
