import { tracked, type TrackedEnvelope } from '@trpc/server';
import { z } from 'zod';
import type { ClientOf } from '../contracts/contract.js';
import { PagiError } from '../contracts/errors.js';
import { twinNameSchema } from '../contracts/domain.js';
import { idSchema } from '../contracts/ids.js';
import { uploadedFileSchema, uploadHandleSchema } from '../contracts/fileKinds.js';
import { SERVICE_IDS } from '../contracts/manifest.js';
import { emotionContract } from '../emotion/common/contract.js';
import { eventRouterContract } from '../event-router/common/contract.js';
import { executiveContract, type TurnChunk, type TurnResult } from '../executive/common/contract.js';
import { identityContract } from '../identity/common/contract.js';
import { inferenceContract } from '../inference/common/contract.js';
import { learningContract } from '../learning/common/contract.js';
import type { ServiceStateChange } from '../runtime/common/serviceStatus.js';
import type { ApiContext, ServiceAccess } from './coreAccess.js';
import { listenerStream } from './listenerStream.js';
import { failedEvent, followInput, type FinalEvent, type OperationEvent } from './operationHub.js';
import { bundleRouter } from './bundleRouter.js';
import { withChosenFile } from './chosenFile.js';
import { importRouter } from './importRouter.js';
import { memoryRouter } from './memoryRouter.js';
import { settingsRouter } from './settingsRouter.js';
import { toolsRouter } from './toolsRouter.js';
import { eventsRouter } from './watchRouter.js';
import { procedure, router } from './trpc.js';

export type ChatEvent = OperationEvent<TurnChunk, TurnResult>;
export type { WatchArea, WatchNotice } from './watchNotices.js';

const chatInput = executiveContract.procedures.turn.input.extend({ turnId: idSchema });
const continueInput = executiveContract.procedures.continueTurn.input;

/** A turn this host did not run: its outcome as the executive stored it, as the stream's final event. */
async function storedOutcome(core: ServiceAccess, turnId: string): Promise<FinalEvent<TurnResult>> {
  try {
    const outcome = await core.client(executiveContract).turnOutcome({ turnId });
    if (!outcome) return failedEvent(new PagiError('NOT_FOUND', `no turn ${turnId}: send the message again`));
    if (outcome.result) return { type: 'done', result: outcome.result };
    if (outcome.error) return failedEvent(PagiError.fromWire(outcome.error));
    return failedEvent(new PagiError('UNAVAILABLE', 'this reply was being written when the app restarted; it was not finished — send the message again'));
  } catch (err) {
    return failedEvent(err);
  }
}

/**
 * Starts the executive's work under the client's id, once (a turn, or a continuation of one), as an
 * operation `chat.events` follows. A stop asks the executive to end it: the reply so far still comes
 * back as its result. Returns the operation's state.
 */
function startTurnWork(ctx: ApiContext, id: string, run: (executive: ClientOf<typeof executiveContract>, onChunk: (chunk: TurnChunk) => void) => Promise<TurnResult>) {
  const executive = ctx.core.client(executiveContract);
  return ctx.operations.turns.start(id, 'turn', (emit, signal) => {
    signal.addEventListener('abort', () => void executive.cancelTurn({ turnId: id }).catch(() => undefined), { once: true });
    return run(executive, emit);
  }).state;
}

/** The one tRPC router: both hosts serve it, neither defines procedures. */
export const appRouter = router({
  system: router({
    info: procedure.query(({ ctx }) => ({ twinId: ctx.core.twinId, launcher: ctx.core.launcher, services: SERVICE_IDS.length })),
    status: procedure.query(({ ctx }) => ctx.system.status()),
    restart: procedure
      .input(z.object({ id: z.enum(SERVICE_IDS as [string, ...string[]], { message: `id must be one of: ${SERVICE_IDS.join(', ')}` }) }))
      .mutation(async ({ ctx, input }) => {
        await ctx.system.restart(input.id);
        return { restarted: input.id };
      }),
    /** Each service's state changes as they happen (a snapshot is `status`): the desktop's status views follow it. */
    stateChanges: procedure.subscription(({ ctx, signal }) => listenerStream<ServiceStateChange>((listener) => ctx.system.onStateChange(listener), signal)),
    doctor: procedure.input(inferenceContract.procedures.diagnose.input).query(({ ctx, input }) => ctx.core.client(inferenceContract).diagnose(input)),
    events: procedure
      .input(z.object({ fromOffset: z.number().int().min(1).default(1), limit: z.number().int().min(1).max(1_000).default(100) }))
      .query(({ ctx, input }) => ctx.core.client(eventRouterContract).read(input)),
  }),
  twin: router({
    get: procedure.query(({ ctx }) => ctx.core.client(identityContract).get({})),
    hardware: procedure.query(({ ctx }) => ctx.core.client(identityContract).hardware({ refresh: false })),
    avatar: procedure.query(({ ctx }) => ctx.core.client(identityContract).avatar({})),
    /** A picture the user chose (the app makes it small first), or null for the initials again. */
    setAvatar: procedure.input(identityContract.procedures.setAvatar.input).mutation(({ ctx, input }) => ctx.core.client(identityContract).setAvatar(input)),
    update: procedure.input(identityContract.procedures.update.input).mutation(async ({ ctx, input }) => {
      const twin = await ctx.core.client(identityContract).update(input);
      ctx.twins.rememberName(ctx.core.twinId, twin.name);
      return twin;
    }),
    /** Every twin of this data folder; the running one's name is its current one. */
    list: procedure.query(async ({ ctx }) => {
      const active = ctx.core.twinId;
      const current = await ctx.core.client(identityContract).get({}).catch(() => null);
      // a switch while asking would put one twin's name on another
      if (current && ctx.core.twinId === active) ctx.twins.rememberName(active, current.name);
      return ctx.twins.list().map((t) => ({ ...t, active: t.id === active, name: t.id === active && current ? current.name : t.name }));
    }),
    /** A new name: the running twin's at once, another's when it next runs. */
    rename: procedure
      .input(z.object({ id: idSchema, name: twinNameSchema }).strict())
      .mutation(async ({ ctx, input }) => {
        await ctx.twins.rename(input.id, input.name);
        return { id: input.id, name: input.name, now: input.id === ctx.core.twinId };
      }),
    /** Deletes a twin that does not run: its folder, memories and backups, for good. */
    delete: procedure.input(z.object({ id: idSchema }).strict()).mutation(async ({ ctx, input }) => {
      await ctx.twins.delete(input.id);
      return { deleted: input.id };
    }),
    /** Runs another twin of this data folder: every service restarts for it. */
    activate: procedure.input(z.object({ id: idSchema }).strict()).mutation(async ({ ctx, input }) => {
      await ctx.twins.activate(input.id);
      return { active: ctx.core.twinId };
    }),
  }),
  chat: router({
    /**
     * Starts a turn under the id the client made and returns at once; `events` follows it. Sending
     * the same id again (a retry after a lost connection) never runs the turn twice.
     */
    send: procedure.input(chatInput).mutation(({ ctx, input }) => ({
      turnId: input.turnId,
      state: startTurnWork(ctx, input.turnId, (executive, onChunk) => executive.turn(input, { onChunk })),
    })),
    /**
     * Writes more of a stopped or length-cut reply, under the continuation id the client made (sent
     * again, it never writes twice); `events` follows it under that id, ending with the whole reply.
     */
    continue: procedure.input(continueInput).mutation(({ ctx, input }) => ({
      continuationId: input.continuationId,
      state: startTurnWork(ctx, input.continuationId, (executive, onChunk) => executive.continueTurn(input, { onChunk })),
    })),
    /** What a reply was written from: the system prompt (persona, mood, memories), then the turns. */
    prompt: procedure.input(executiveContract.procedures.turnPrompt.input).query(({ ctx, input }) => ctx.core.client(executiveContract).turnPrompt(input)),
    conversationSettings: procedure.input(executiveContract.procedures.conversationSettings.input).query(({ ctx, input }) => ctx.core.client(executiveContract).conversationSettings(input)),
    setConversationSettings: procedure.input(executiveContract.procedures.setConversationSettings.input).mutation(({ ctx, input }) => ctx.core.client(executiveContract).setConversationSettings(input)),
    /**
     * The turn's chunks (`started`, `waiting`, `token`, `tool`), then one final event: `done` with the
     * result or `failed` with the error. Reconnecting resumes after the last event received.
     */
    events: procedure.input(followInput('turnId')).subscription(async function* ({ ctx, input, signal }): AsyncGenerator<TrackedEnvelope<ChatEvent>> {
      const live = ctx.operations.turns.follow(input.turnId, 'turn', input.lastEventId, signal);
      if (live) return yield* live;
      // not run by this host (it restarted since, or the turn is older): what the executive kept of it
      yield tracked('0', await storedOutcome(ctx.core, input.turnId));
    }),
    /** Stops a running turn: the reply so far is kept, marked cancelled. */
    cancel: procedure.input(z.object({ turnId: idSchema }).strict()).mutation(({ ctx, input }) => ({ cancelled: ctx.operations.turns.cancel(input.turnId) })),
    history: procedure.input(executiveContract.procedures.history.input).query(({ ctx, input }) => ctx.core.client(executiveContract).history(input)),
    sessions: procedure.input(executiveContract.procedures.sessions.input).query(({ ctx, input }) => ctx.core.client(executiveContract).sessions(input)),
    locateTurn: procedure.input(executiveContract.procedures.locateTurn.input).query(({ ctx, input }) => ctx.core.client(executiveContract).locateTurn(input)),
    renameSession: procedure.input(executiveContract.procedures.renameSession.input).mutation(({ ctx, input }) => ctx.core.client(executiveContract).renameSession(input)),
    deleteSession: procedure.input(executiveContract.procedures.deleteSession.input).mutation(({ ctx, input }) => ctx.core.client(executiveContract).deleteSession(input)),
    feedback: procedure.input(learningContract.procedures.feedback.input).mutation(({ ctx, input }) => ctx.core.client(learningContract).feedback(input)),
  }),
  events: eventsRouter,
  memory: memoryRouter,
  settings: settingsRouter,
  bundles: bundleRouter,
  imports: importRouter,
  tools: toolsRouter,
  /** Files between a browser and the headless host (uploads arrive over plain HTTP: `core/host/fileRoutes.ts`). */
  files: router({
    /** A single-use URL, valid a minute, that downloads an export made without `out`. */
    downloadTicket: procedure.input(z.object({ download: uploadHandleSchema }).strict()).mutation(({ ctx, input }) => ctx.files.downloadTicket(input.download)),
  }),
  emotion: router({
    current: procedure.query(({ ctx }) => ctx.core.client(emotionContract).current({})),
    history: procedure.input(emotionContract.procedures.history.input).query(({ ctx, input }) => ctx.core.client(emotionContract).history(input)),
  }),
  models: router({
    status: procedure.query(({ ctx }) => ctx.core.client(inferenceContract).status({})),
    list: procedure.query(({ ctx }) => ctx.core.client(inferenceContract).listModels({})),
    fit: procedure.input(inferenceContract.procedures.fit.input).query(({ ctx, input }) => ctx.core.client(inferenceContract).fit(input)),
    /**
     * A path (used where it is, or copied with `mode: 'copy'`), or an uploaded file, which is moved
     * into the models folder (the upload is on the same disk: no second copy of many GB). A client
     * never moves a path of its own: the user's file stays where it is.
     */
    import: procedure.input(z.union([inferenceContract.procedures.importModel.input.extend({ mode: z.enum(['reference', 'copy'], { message: 'mode is "reference" (used where it is) or "copy" (into the models folder)' }).default('reference') }), uploadedFileSchema])).mutation(({ ctx, input }) =>
      'upload' in input
        ? withChosenFile(ctx, input, 'model', (path) => ctx.core.client(inferenceContract).importModel({ path, mode: 'move' }))
        : ctx.core.client(inferenceContract).importModel(input)),
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
