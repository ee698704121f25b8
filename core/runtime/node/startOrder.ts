import { PagiError } from '../../contracts/errors.js';

/** Groups services into levels: each level only depends on earlier ones, so a level starts in parallel. */
export function startOrder(specs: ReadonlyArray<{ id: string; dependsOn: readonly string[] }>): string[][] {
  const ids = new Set(specs.map((s) => s.id));
  const remaining = new Map(specs.map((s) => [s.id, s.dependsOn.filter((d) => ids.has(d))]));
  const levels: string[][] = [];
  const done = new Set<string>();
  while (remaining.size > 0) {
    const level = [...remaining].filter(([, deps]) => deps.every((d) => done.has(d))).map(([id]) => id);
    if (level.length === 0) {
      throw new PagiError('INVALID_INPUT', `service dependencies form a cycle among: ${[...remaining.keys()].join(', ')}`);
    }
    for (const id of level) {
      remaining.delete(id);
      done.add(id);
    }
    levels.push(level);
  }
  return levels;
}
