import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { semanticMemoryContract } from '../common/contract.js';
import { createFactStore } from './factStore.js';
import { semanticMigrations } from './migrations.js';

export default defineService({
  id: 'memory.semantic',
  contract: semanticMemoryContract,
  configSchema: z.object({ embedTimeoutMs: z.number().int().min(100).default(30_000) }),
  async start(ctx) {
    const db = openServiceDatabase(ctx.paths.twinDir, 'semantic.db', semanticMigrations, { vec: true });
    const facts = createFactStore(db);
    const inference = ctx.client(inferenceContract);

    /** An embedding, or the reason there is none (no model loaded, inference down): facts still work lexically. */
    const embed = async (text: string): Promise<{ model: string; values: number[] } | { error: string }> => {
      try {
        const r = await inference.embed({ texts: [text] }, { timeoutMs: ctx.config.embedTimeoutMs });
        const values = r.vectors[0];
        if (!values || values.length === 0) return { error: 'the model returned an empty embedding' };
        return { model: r.model, values };
      } catch (err) {
        return { error: PagiError.from(err).message };
      }
    };

    return {
      api: {
        async addFact(input) {
          const e = await embed(input.text);
          if ('error' in e) ctx.log.info(`fact stored without a vector: ${e.error}`);
          const fact = facts.add(input, 'error' in e ? null : e);
          await ctx.bus.publish('memory.fact.stored', { id: fact.id, text: fact.text });
          return fact;
        },
        get: ({ id }) => facts.get(id),
        delete: ({ id }) => ({ deleted: facts.delete(id) }),
        list: ({ limit, offset }) => facts.list(limit, offset),
        async search({ query, k }) {
          const model = facts.embeddingModel();
          if (!model) return { hits: facts.lexical(query, k).map((h) => ({ ...h, via: 'lexical' as const })), mode: 'lexical' as const, note: 'no fact has an embedding yet' };
          const e = await embed(query);
          if ('error' in e) return { hits: facts.lexical(query, k).map((h) => ({ ...h, via: 'lexical' as const })), mode: 'lexical' as const, note: `no query embedding: ${e.error}` };
          if (e.model !== model.model || e.values.length !== model.dims) {
            return { hits: facts.lexical(query, k).map((h) => ({ ...h, via: 'lexical' as const })), mode: 'lexical' as const, note: `facts are embedded with ${model.model} (${model.dims} dims), the loaded model differs` };
          }
          return { hits: facts.knn(e.values, k).map((h) => ({ ...h, via: 'vector' as const })), mode: 'vector' as const, note: null };
        },
        embeddingInfo() {
          const m = facts.embeddingModel();
          const c = facts.counts();
          return { model: m?.model ?? null, dims: m?.dims ?? null, embedded: c.embedded, total: c.total };
        },
      },
      health: () => ({ ok: db.open }),
      dispose: () => db.close(),
    };
  },
});
