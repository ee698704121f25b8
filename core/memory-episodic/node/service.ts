import { z } from 'zod';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { episodicMemoryContract } from '../common/contract.js';
import { createEpisodeStore } from './episodeStore.js';
import { episodicMigrations } from './migrations.js';

export default defineService({
  id: 'memory.episodic',
  contract: episodicMemoryContract,
  configSchema: z.object({}),
  async start(ctx) {
    const db = openServiceDatabase(ctx.paths.twinDir, 'episodic.db', episodicMigrations);
    const store = createEpisodeStore(db);
    return {
      api: {
        async store(input) {
          const episode = store.store(input);
          await ctx.bus.publish('memory.episode.stored', { id: episode.id, sessionId: episode.sessionId, actor: episode.actor, kind: episode.kind, importance: episode.importance });
          return episode;
        },
        async storeMany({ episodes }) {
          const ids = store.storeMany(episodes);
          const sessions = [...new Set(episodes.map((e) => e.sessionId))];
          await ctx.bus.publish('memory.episodes.imported', { count: ids.length, sessionIds: sessions.slice(0, 100), firstId: ids[0] as string, lastId: ids[ids.length - 1] as string });
          return { ids };
        },
        get: ({ id }) => store.get(id),
        search: ({ query, limit, sessionId, touch }) => store.search(query, limit, sessionId, touch),
        range: (input) => store.range(input),
        adjustImportance: ({ id, delta, opId }) => ({ id, ...store.adjustImportance(id, delta, opId) }),
        count: () => ({ episodes: store.count() }),
      },
      health: () => ({ ok: db.open }),
      dispose: () => db.close(),
    };
  },
});
