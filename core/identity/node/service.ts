import { z } from 'zod';
import { personaSchema } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { EVENT_TOPICS } from '../../contracts/events.js';
import { defineService } from '../../runtime/common/defineService.js';
import { createInbox } from '../../runtime/node/inbox.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { avatarDataUrl, parseAvatarDataUrl } from '../common/avatarImage.js';
import { identityContract } from '../common/contract.js';
import { createApiKeys } from './apiKeys.js';
import { createHardwareInventory } from './hardwareInventory.js';
import { identityMigrations } from './migrations.js';
import { createTwinStore } from './twinStore.js';

const configSchema = z.object({
  /** Name and persona given to a twin created on first start. */
  defaultName: z.string().min(1).max(120).default('Twin'),
  defaultPersona: personaSchema.partial().default({}),
});

export default defineService({
  id: 'identity',
  contract: identityContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'identity.db', identityMigrations, {
      portable: {
        // API keys are secrets and the hardware is this machine's: neither travels in a bundle
        excludeTables: ['api_keys', 'hardware'],
        onImport(copy, twin) {
          const row = copy.prepare('SELECT generation FROM twin WHERE id = ?').get(twin.twinId) as { generation: number } | undefined;
          if (!row) throw new PagiError('INVALID_INPUT', `identity.db in the bundle does not hold the twin the manifest names (${twin.sourceTwinId})`);
          // a clone is a new twin descending from the source; a move is the same twin on another machine
          if (twin.mode === 'clone') copy.prepare('UPDATE twin SET parent_id = ?, generation = ?, updated_at = ? WHERE id = ?').run(twin.sourceTwinId, row.generation + 1, new Date().toISOString(), twin.twinId);
        },
      },
    });
    const inbox = createInbox(db);
    const twin = createTwinStore(db, ctx.twinId);
    if (twin.ensure({ name: ctx.config.defaultName, persona: ctx.config.defaultPersona })) ctx.log.info(`created twin ${ctx.twinId}`);
    const keys = createApiKeys(db);
    const hardware = createHardwareInventory(db, { log: ctx.log });

    // The backend is chosen by the inference service; the inventory records what it chose.
    ctx.bus.subscribe({
      consumer: 'identity',
      topics: ['inference.backend.selected'],
      handler: async (event) => {
        await hardware.ready; // the inventory row exists before the backend is recorded on it
        const p = EVENT_TOPICS['inference.backend.selected'].parse(event.payload);
        inbox.once(event, () => hardware.setBackend({ name: p.backend, gpu: p.gpu, reason: p.reason }));
      },
    });

    return {
      api: {
        get: () => twin.get(),
        update(changes) {
          const next = twin.update(changes);
          void ctx.bus.publish('twin.updated', { twinId: next.id, name: next.name }).catch(() => undefined);
          return next;
        },
        avatar: () => {
          const row = db.prepare('SELECT mime, data, updated_at FROM avatar WHERE id = 1').get() as { mime: string; data: Buffer; updated_at: string } | undefined;
          return row ? { image: avatarDataUrl(row.mime, row.data), updatedAt: row.updated_at } : null;
        },
        setAvatar({ image }) {
          if (image === null) {
            db.prepare('DELETE FROM avatar WHERE id = 1').run();
            return null;
          }
          const { mime, bytes } = parseAvatarDataUrl(image);
          const updatedAt = new Date().toISOString();
          db.prepare('INSERT INTO avatar (id, mime, data, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET mime = excluded.mime, data = excluded.data, updated_at = excluded.updated_at').run(mime, Buffer.from(bytes), updatedAt);
          void ctx.bus.publish('twin.updated', { twinId: ctx.twinId, name: twin.get().name }).catch(() => undefined);
          return { image: avatarDataUrl(mime, bytes), updatedAt };
        },
        setLifecycle: ({ lifecycle }) => twin.setLifecycle(lifecycle),
        hardware: ({ refresh }) => hardware.get(refresh),
        createApiKey: ({ label }) => keys.create(label),
        verifyApiKey: ({ key }) => keys.verify(key),
        listApiKeys: () => keys.list(),
        revokeApiKey: ({ id }) => ({ revoked: keys.revoke(id) }),
      },
      health: () => ({ ok: db.open }),
    };
  },
});
