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
    ['core/runtime/node/x.ts', "import { createVectorStore } from '../../memory-kit/node/vectorStore.js';\nexport const y = createVectorStore;", /does not know any service/],
    ['core/memory-kit/node/x.ts', "import { inferenceContract } from '../../inference/common/contract.js';\nexport const y = inferenceContract;", /memory kit imports only contracts and runtime/],
    ['core/memory-kit/node/x.ts', "import s from '../../memory-episodic/node/episodeStore.js';\nexport const y = s;", /memory kit imports only contracts and runtime/],
    ['core/memory-kit/common/x.ts', "import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';\nexport const y = episodicMemoryContract;", /memory kit imports only contracts and runtime/],
    ['core/memory-kit/common/x.ts', "import { createVectorStore } from '../node/vectorStore.js';\nexport const y = createVectorStore;", /never import node\/ code/],
    ['core/memory-kit/common/x.ts', "import { createHash } from 'node:crypto';\nexport const y = createHash;", /no Node built-ins/],
    ['core/api/x.ts', "import { createVectorStore } from '../memory-kit/node/vectorStore.js';\nexport const y = createVectorStore;", /never their node\/ code/],
    ['main/x.ts', "import s from '../core/identity/node/service.js';\nexport const y = s;", /main\/ never imports a service's node\/ code/],
    ['main/x.ts', "import { startHeadlessHost } from '../core/host/headlessHost.js';\nexport const y = startHeadlessHost;", /main\/ reaches core\/host only through the boot module/],
    ['main/x.ts', "import { runCli } from '../core/host/cli.js';\nexport const y = runCli;", /main\/ reaches core\/host only through the boot module/],
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
    ['core/memory-semantic/node/x.ts', "import { createVectorStore } from '../../memory-kit/node/vectorStore.js';\nimport { memoryTierProcedures } from '../../memory-kit/common/tierContract.js';\nexport const y = [createVectorStore, memoryTierProcedures];"],
    ['core/memory-kit/node/x.ts', "import type { SqliteDatabase } from '../../../native/sqlite.js';\nimport { PagiError } from '../../contracts/errors.js';\nimport { openServiceDatabase } from '../../runtime/node/migrations.js';\nimport { cosine } from '../common/vectorIndex.js';\nexport type D = SqliteDatabase;\nexport const y = [PagiError, openServiceDatabase, cosine];"],
    ['core/api/x.ts', "import { memoryTierProcedures } from '../memory-kit/common/tierContract.js';\nexport const y = memoryTierProcedures;"],
    ['renderer/src/x.ts', "import type { AppRouter } from '../../core/api/router';\nexport type Y = AppRouter;"],
    ['main/x.ts', `import { app } from '${E}';\nimport { Supervisor } from '../core/runtime/node/supervisor.js';\nexport const y = [app, Supervisor];`],
    ['main/x.ts', "import { bootCore } from '../core/host/hostBoot.js';\nexport const y = bootCore;"],
  ])('%s: allowed imports pass', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
