import { readHardwareInventory, type HardwareInventory } from '../../../native/hardware.js';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import type { Logger } from '../../runtime/common/defineService.js';
import type { Hardware } from '../common/contract.js';

export interface HardwareInventoryOptions {
  log: Pick<Logger, 'warn'>;
  /** How the workstation is read (tests give a fixed one). */
  read?: () => Promise<HardwareInventory>;
  now?: () => string;
}

/**
 * This workstation's hardware (one row: the inventory, and the backend the inference service chose),
 * read once at start and again on request. A failed first read is retried by the next request.
 */
export function createHardwareInventory(db: SqliteDatabase, opts: HardwareInventoryOptions) {
  const read = opts.read ?? readHardwareInventory;
  const now = opts.now ?? (() => new Date().toISOString());
  let inventory: HardwareInventory | null = null;

  const current = (): Hardware => {
    const row = db.prepare('SELECT inventory, backend, read_at FROM hardware WHERE id = 1').get() as { inventory: string; backend: string | null; read_at: string } | undefined;
    // '{}': only the backend arrived so far
    if (!row || row.inventory === '{}') throw new PagiError('UNAVAILABLE', 'the hardware inventory has not been read yet; ask again with refresh');
    return { ...(JSON.parse(row.inventory) as HardwareInventory), backend: row.backend ? JSON.parse(row.backend) as Hardware['backend'] : null, readAt: row.read_at };
  };
  const refresh = async (): Promise<Hardware> => {
    inventory = await read();
    db.prepare('INSERT INTO hardware (id, inventory, read_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET inventory = excluded.inventory, read_at = excluded.read_at')
      .run(JSON.stringify(inventory), now());
    return current();
  };
  const firstRead: Promise<void> = refresh().then(() => undefined, (err: unknown) => opts.log.warn('hardware inventory failed', { error: PagiError.from(err).message }));

  return {
    /** Settles once the read at start has (whether or not it worked): the row exists for the backend to land on. */
    ready: firstRead,
    /** The inventory as last read; read again with `refresh`, or when no read has worked yet. */
    async get(refreshNow: boolean): Promise<Hardware> {
      await firstRead;
      if (refreshNow || !inventory) return refresh();
      return current();
    },
    /** The backend the inference service chose (it chooses; this records). */
    setBackend(backend: NonNullable<Hardware['backend']>): void {
      db.prepare("INSERT INTO hardware (id, inventory, backend, read_at) VALUES (1, '{}', ?, ?) ON CONFLICT(id) DO UPDATE SET backend = excluded.backend").run(JSON.stringify(backend), now());
    },
  };
}
