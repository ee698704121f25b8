import type { TrackedEnvelope } from '@trpc/server';
import { z } from 'zod';
import { procedure, router } from './trpc.js';
import type { WatchNotice } from './watchNotices.js';

/**
 * `events.watch`: the one stream a client needs to keep its views current — service states from the
 * supervisor, and the event log's changes mapped to what to show again (watchNotices.ts). Every
 * notice is tracked: a reconnect (tRPC sends `lastEventId`) goes on where it left off, or starts
 * with `ready` (`resumed: false`) when it cannot. The host keeps the notices (`ctx.watch`).
 */
export const eventsRouter = router({
  watch: procedure
    .input(z.object({ lastEventId: z.string().max(40).nullish() }).strict().optional())
    .subscription(async function* ({ ctx, input, signal }): AsyncGenerator<TrackedEnvelope<WatchNotice>> {
      yield* ctx.watch.follow(input?.lastEventId, signal);
    }),
});
