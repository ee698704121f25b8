import { z } from 'zod';
import { idSchema } from '../contracts/ids.js';
import { SERVICE_IDS } from '../contracts/manifest.js';
import { emotionContract } from '../emotion/common/contract.js';
import { eventRouterContract } from '../event-router/common/contract.js';
import { executiveContract, type TurnChunk, type TurnResult } from '../executive/common/contract.js';
import { identityContract } from '../identity/common/contract.js';
import { inferenceContract } from '../inference/common/contract.js';
import { learningContract } from '../learning/common/contract.js';
import { createAsyncQueue } from './asyncQueue.js';
import { bundleRouter } from './bundleRouter.js';
import { memoryRouter } from './memoryRouter.js';
import { settingsRouter } from './settingsRouter.js';
import { procedure, router, toTrpcError } from './trpc.js';

export type ChatEvent = TurnChunk | { type: 'done'; result: TurnResult };

const chatInput = executiveContract.procedures.turn.input;

/** The one tRPC router: both hosts serve it, neither defines procedures. */
export const appRouter = router({
  system: router({
    info: procedure.query(({ ctx }) => ({ twinId: ctx.core.twinId, launcher: ctx.core.launcher, services: SERVICE_IDS.length })),
    status: procedure.query(({ ctx }) => ctx.core.status()),
    restart: procedure
      .input(z.object({ id: z.enum(SERVICE_IDS as [string, ...string[]], { message: `id must be one of: ${SERVICE_IDS.join(', ')}` }) }))
      .mutation(async ({ ctx, input }) => {
        await ctx.core.restart(input.id);
        return { restarted: input.id };
      }),
    doctor: procedure.input(inferenceContract.procedures.diagnose.input).query(({ ctx, input }) => ctx.core.client(inferenceContract).diagnose(input)),
    events: procedure
      .input(z.object({ fromOffset: z.number().int().min(1).default(1), limit: z.number().int().min(1).max(1_000).default(100) }))
      .query(({ ctx, input }) => ctx.core.client(eventRouterContract).read(input)),
  }),
  twin: router({
    get: procedure.query(({ ctx }) => ctx.core.client(identityContract).get({})),
    hardware: procedure.query(({ ctx }) => ctx.core.client(identityContract).hardware({ refresh: false })),
    update: procedure.input(identityContract.procedures.update.input).mutation(({ ctx, input }) => ctx.core.client(identityContract).update(input)),
    /** Every twin of this data folder; the running one's name is its current one. */
    list: procedure.query(async ({ ctx }) => {
      const active = ctx.core.twinId;
      const current = await ctx.core.client(identityContract).get({}).catch(() => null);
      return ctx.core.listTwins().map((t) => ({ ...t, active: t.id === active, name: t.id === active && current ? current.name : t.name }));
    }),
    /** Runs another twin of this data folder: every service restarts for it. */
    activate: procedure.input(z.object({ id: idSchema }).strict()).mutation(async ({ ctx, input }) => {
      await ctx.core.activateTwin(input.id);
      return { active: ctx.core.twinId };
    }),
  }),
  chat: router({
    /** Streams one turn: `started`, `token`…, `tool`…, then `done` with the result. Unsubscribing cancels it. */
    send: procedure.input(chatInput).subscription(async function* ({ ctx, input, signal }) {
      const queue = createAsyncQueue<ChatEvent>();
      const ctl = new AbortController();
      signal?.addEventListener('abort', () => ctl.abort(), { once: true });
      ctx.core
        .client(executiveContract)
        .turn(input, { signal: ctl.signal, onChunk: (chunk) => queue.push(chunk) })
        .then((result) => queue.push({ type: 'done', result }))
        .then(() => queue.end())
        .catch((err: unknown) => queue.fail(toTrpcError(err)));
      try {
        yield* queue;
      } finally {
        ctl.abort();
      }
    }),
    history: procedure.input(executiveContract.procedures.history.input).query(({ ctx, input }) => ctx.core.client(executiveContract).history(input)),
    sessions: procedure.input(executiveContract.procedures.sessions.input).query(({ ctx, input }) => ctx.core.client(executiveContract).sessions(input)),
    locateTurn: procedure.input(executiveContract.procedures.locateTurn.input).query(({ ctx, input }) => ctx.core.client(executiveContract).locateTurn(input)),
    renameSession: procedure.input(executiveContract.procedures.renameSession.input).mutation(({ ctx, input }) => ctx.core.client(executiveContract).renameSession(input)),
    deleteSession: procedure.input(executiveContract.procedures.deleteSession.input).mutation(({ ctx, input }) => ctx.core.client(executiveContract).deleteSession(input)),
    feedback: procedure.input(learningContract.procedures.feedback.input).mutation(({ ctx, input }) => ctx.core.client(learningContract).feedback(input)),
  }),
  memory: memoryRouter,
  settings: settingsRouter,
  bundles: bundleRouter,
  emotion: router({
    current: procedure.query(({ ctx }) => ctx.core.client(emotionContract).current({})),
    history: procedure.input(emotionContract.procedures.history.input).query(({ ctx, input }) => ctx.core.client(emotionContract).history(input)),
  }),
  models: router({
    status: procedure.query(({ ctx }) => ctx.core.client(inferenceContract).status({})),
    list: procedure.query(({ ctx }) => ctx.core.client(inferenceContract).listModels({})),
    fit: procedure.input(inferenceContract.procedures.fit.input).query(({ ctx, input }) => ctx.core.client(inferenceContract).fit(input)),
    import: procedure.input(inferenceContract.procedures.importModel.input).mutation(({ ctx, input }) => ctx.core.client(inferenceContract).importModel(input)),
    remove: procedure.input(inferenceContract.procedures.removeModel.input).mutation(({ ctx, input }) => ctx.core.client(inferenceContract).removeModel(input)),
    load: procedure.input(inferenceContract.procedures.load.input).mutation(({ ctx, input }) => ctx.core.client(inferenceContract).load(input)),
    unload: procedure.mutation(({ ctx }) => ctx.core.client(inferenceContract).unload({})),
    catalog: procedure.query(({ ctx }) => ctx.core.client(inferenceContract).catalog({})),
    download: procedure.input(inferenceContract.procedures.download.input).mutation(({ ctx, input }) => ctx.core.client(inferenceContract).download(input)),
    downloads: procedure.query(({ ctx }) => ctx.core.client(inferenceContract).downloads({})),
    getDownload: procedure.input(inferenceContract.procedures.getDownload.input).query(({ ctx, input }) => ctx.core.client(inferenceContract).getDownload(input)),
    cancelDownload: procedure.input(inferenceContract.procedures.cancelDownload.input).mutation(({ ctx, input }) => ctx.core.client(inferenceContract).cancelDownload(input)),
    pauseDownload: procedure.input(inferenceContract.procedures.pauseDownload.input).mutation(({ ctx, input }) => ctx.core.client(inferenceContract).pauseDownload(input)),
    resumeDownload: procedure.input(inferenceContract.procedures.resumeDownload.input).mutation(({ ctx, input }) => ctx.core.client(inferenceContract).resumeDownload(input)),
  }),
});

export type AppRouter = typeof appRouter;
