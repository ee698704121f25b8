import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { identityContract } from '../../identity/common/contract.js';
import { semanticMemoryContract } from '../../memory-semantic/common/contract.js';
import { twinDirOf } from '../../runtime/node/paths.js';
import { forgetDatabases } from '../../runtime/node/twinManifest.js';
import type { Supervisor } from '../../runtime/node/supervisor.js';
import { serviceSpecs } from '../installation.js';

export interface NewTwin { name: string; persona: { description: string; traits: string[]; speakingStyle: string; greetings?: string[] }; avatar?: string | null; facts: string[] }

/**
 * Makes a new twin beside the running one: its services run for it in a staging folder (the same
 * code that runs every twin writes its databases), it gets its persona and facts, then the folder
 * moves into `twins/` with one rename. A failure or a kill leaves no twin (staging is swept at start).
 */
export async function createTwin(running: Supervisor, dataDir: string, twin: NewTwin): Promise<{ twinId: string; facts: number }> {
  const twinId = newId();
  const staging = join(dataDir, 'twins', `.staging-${randomBytes(8).toString('hex')}`);
  mkdirSync(staging, { recursive: true });
  const sup = running.sibling({
    dataDir: staging,
    twinId,
    // no model and no background extraction: only the twin's own records are written
    specs: serviceSpecs({ 'memory.semantic': { extraction: { auto: false } } }),
  });
  try {
    await sup.start();
    const failed = (await sup.status()).filter((s) => s.state !== 'running');
    if (failed.length) throw new PagiError('UNAVAILABLE', `the new twin's services did not start (${failed.map((s) => `${s.id}: ${s.lastError ?? s.state}`).join('; ')})`);
    await sup.client(identityContract).update({ name: twin.name, persona: twin.persona });
    if (twin.avatar) await sup.client(identityContract).setAvatar({ image: twin.avatar });
    for (const text of twin.facts) await sup.client(semanticMemoryContract).addFact({ text, confidence: 0.9, by: 'import' });
    await sup.stop();
    const built = twinDirOf(staging, twinId);
    // the staging folder's model list, not this machine's
    for (const f of readdirSync(built)) if (f.startsWith('models.db')) rmSync(join(built, f), { force: true });
    forgetDatabases(built, ['models.db']); // made afresh on this machine at the twin's first start
    const target = twinDirOf(dataDir, twinId);
    if (existsSync(target)) throw new PagiError('CONFLICT', `a twin folder ${target} already exists`);
    renameSync(built, target);
    return { twinId, facts: twin.facts.length };
  } finally {
    await sup.stop().catch(() => undefined);
    rmSync(staging, { recursive: true, force: true });
  }
}
