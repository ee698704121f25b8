import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { readHardwareInventory } from '../../../native/hardware.js';
import { personaSchema, type Persona, type Twin } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { EVENT_TOPICS } from '../../contracts/events.js';
import { newId } from '../../contracts/ids.js';
import { defineService } from '../../runtime/common/defineService.js';
import { createInbox } from '../../runtime/node/inbox.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { identityContract, type Hardware } from '../common/contract.js';
import { identityMigrations } from './migrations.js';

const configSchema = z.object({
  /** Name and persona given to a twin created on first start. */
  defaultName: z.string().min(1).max(120).default('Twin'),
  defaultPersona: personaSchema.partial().default({}),
});

interface TwinRow {
  id: string;
  name: string;
  persona: string;
  parent_id: string | null;
  generation: number;
  lifecycle: 'active' | 'paused';
  created_at: string;
  updated_at: string;
}

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

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

    const now = (): string => new Date().toISOString();
    const rowToTwin = (r: TwinRow): Twin => ({
      id: r.id,
      name: r.name,
      persona: personaSchema.parse(JSON.parse(r.persona)),
      parentId: r.parent_id,
      generation: r.generation,
      lifecycle: r.lifecycle,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    });
    const load = (): Twin => {
      const row = db.prepare('SELECT * FROM twin WHERE id = ?').get(ctx.twinId) as TwinRow | undefined;
      if (!row) throw new PagiError('NOT_FOUND', `twin ${ctx.twinId} does not exist in identity.db`);
      return rowToTwin(row);
    };

    if (!db.prepare('SELECT 1 FROM twin WHERE id = ?').get(ctx.twinId)) {
      const persona = personaSchema.parse(ctx.config.defaultPersona);
      // one timestamp for both: a twin never updated since it was created has not been set up yet (onboarding)
      const at = now();
      db.prepare('INSERT INTO twin (id, name, persona, parent_id, generation, lifecycle, created_at, updated_at) VALUES (?, ?, ?, NULL, 0, ?, ?, ?)')
        .run(ctx.twinId, ctx.config.defaultName, JSON.stringify(persona), 'active', at, at);
      ctx.log.info(`created twin ${ctx.twinId}`);
    }

    let inventory: Omit<Hardware, 'backend' | 'readAt'> | null = null;
    const readInventory = async (): Promise<Hardware> => {
      inventory = await readHardwareInventory();
      const readAt = now();
      db.prepare('INSERT INTO hardware (id, inventory, read_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET inventory = excluded.inventory, read_at = excluded.read_at')
        .run(JSON.stringify(inventory), readAt);
      return currentHardware();
    };
    const currentHardware = (): Hardware => {
      const row = db.prepare('SELECT inventory, backend, read_at FROM hardware WHERE id = 1').get() as { inventory: string; backend: string | null; read_at: string } | undefined;
      if (!row || row.inventory === '{}') throw new PagiError('UNAVAILABLE', 'the hardware inventory has not been read yet; ask again with refresh');
      return { ...(JSON.parse(row.inventory) as Omit<Hardware, 'backend' | 'readAt'>), backend: row.backend ? JSON.parse(row.backend) as Hardware['backend'] : null, readAt: row.read_at };
    };
    const firstRead = readInventory().catch((err: unknown) => ctx.log.warn('hardware inventory failed', { error: PagiError.from(err).message }));

    // The backend is chosen by the inference service; the inventory records what it chose.
    ctx.bus.subscribe({
      consumer: 'identity',
      topics: ['inference.backend.selected'],
      handler: async (event) => {
        await firstRead; // the inventory row exists before the backend is recorded on it
        const p = EVENT_TOPICS['inference.backend.selected'].parse(event.payload);
        inbox.once(event, () => {
          db.prepare("INSERT INTO hardware (id, inventory, backend, read_at) VALUES (1, '{}', ?, ?) ON CONFLICT(id) DO UPDATE SET backend = excluded.backend").run(JSON.stringify({ name: p.backend, gpu: p.gpu, reason: p.reason }), now());
        });
      },
    });

    const update = (changes: { name?: string; persona?: Partial<Persona> }): Twin => {
      const twin = load();
      const persona = personaSchema.parse({ ...twin.persona, ...changes.persona });
      db.prepare('UPDATE twin SET name = ?, persona = ?, updated_at = ? WHERE id = ?').run(changes.name ?? twin.name, JSON.stringify(persona), now(), twin.id);
      const next = load();
      void ctx.bus.publish('twin.updated', { twinId: next.id, name: next.name }).catch(() => undefined);
      return next;
    };

    return {
      api: {
        get: () => load(),
        update: (input) => update(input),
        setLifecycle({ lifecycle }) {
          db.prepare('UPDATE twin SET lifecycle = ?, updated_at = ? WHERE id = ?').run(lifecycle, now(), ctx.twinId);
          return load();
        },
        async hardware({ refresh }) {
          await firstRead;
          if (refresh || !inventory) return readInventory(); // a failed first read is retried here
          return currentHardware();
        },
        createApiKey({ label }) {
          const key = `pagi_${randomBytes(24).toString('base64url')}`;
          const id = newId();
          db.prepare('INSERT INTO api_keys (id, label, hash, created_at) VALUES (?, ?, ?, ?)').run(id, label, hashKey(key), now());
          return { id, key, label };
        },
        verifyApiKey({ key }) {
          const want = Buffer.from(hashKey(key), 'hex');
          const rows = db.prepare('SELECT id, hash FROM api_keys WHERE revoked_at IS NULL').all() as Array<{ id: string; hash: string }>;
          const hit = rows.find((r) => timingSafeEqual(Buffer.from(r.hash, 'hex'), want));
          if (!hit) return { valid: false, id: null };
          db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now(), hit.id);
          return { valid: true, id: hit.id };
        },
        listApiKeys() {
          const rows = db.prepare('SELECT id, label, created_at, last_used_at FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at').all() as Array<{ id: string; label: string; created_at: string; last_used_at: string | null }>;
          return rows.map((r) => ({ id: r.id, label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
        },
        revokeApiKey({ id }) {
          return { revoked: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now(), id).changes === 1 };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
