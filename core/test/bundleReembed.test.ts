import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHeadlessHost } from '../host/headlessHost.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import { access, populateTwin, tempDir } from './bundleFixture.js';
import { waitFor } from './helpers.js';
import { sharedModel } from './testModel.js';

const first = sharedModel('stories260K.gguf');
const second = sharedModel('TinyStories-656K-Q8_0.gguf');
const noop = (): void => undefined;
if (!first || !second) console.log('bundleReembed: skipped — needs stories260K.gguf and TinyStories-656K-Q8_0.gguf in ../shared/models');

describe.skipIf(!first || !second)('a twin imported where another embedding model runs', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps its vectors tagged with their model, and re-embeds them in the background with the model of the new machine', { timeout: 180_000 }, async () => {
    const sourceDir = tempDir('reembed-src');
    const targetDir = tempDir('reembed-dst');
    dirs.push(sourceDir, targetDir);
    const source = await startHeadlessHost({ dataDir: sourceDir, modelPath: first as string, serviceConfig: { inference: { threads: 1 } } });
    const bundle = join(sourceDir, 'twin.pagi');
    let before: { model: string | null; dims: number | null; total: number };
    try {
      await populateTwin(source, 30);
      const episodic = source.supervisor.client(episodicMemoryContract);
      before = await waitFor('the first embedding', async () => {
        const s = await episodic.embeddingStatus({});
        return s.model && s.embedded === s.total && s.total > 0 ? s : null;
      }, 120_000, 200);
      const out = await access(source, sourceDir).bundles.export({ out: bundle, includeEvents: false }, noop);
      expect(out.entries).toBeGreaterThan(0);
    } finally {
      await source.stop();
    }

    const target = await startHeadlessHost({ dataDir: targetDir, modelPath: second as string, serviceConfig: { inference: { threads: 1 } } });
    try {
      const core = access(target, targetDir);
      const r = await core.bundles.import({ file: bundle, mode: 'clone' }, noop);
      expect(r.embeddingModel).toBe(before.model);
      await core.twins.activate(r.twinId);
      const episodic = target.supervisor.client(episodicMemoryContract);
      const after = await waitFor('re-embedding with the new model', async () => {
        const s = await episodic.embeddingStatus({});
        return s.model && s.model !== before.model && s.embedded === s.total ? s : null;
      }, 120_000, 200);
      expect(after.total).toBe(before.total);
      expect(after.model).not.toBe(before.model);
      const facts = await waitFor('the facts re-embedded too', async () => {
        const s = await target.supervisor.client(semanticMemoryContract).embeddingStatus({});
        return s.model === after.model && s.embedded === s.total ? s : null;
      }, 60_000, 200);
      expect(facts.total).toBeGreaterThan(0);
      const hits = await episodic.search({ query: 'lighthouse keeper door', limit: 3 });
      expect(hits.hits.length).toBeGreaterThan(0);
    } finally {
      await target.stop();
    }
  });
});
