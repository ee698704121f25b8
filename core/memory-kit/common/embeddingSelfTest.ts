import { queryTerms } from './ftsQuery.js';

export interface SelfTestResult { model: string; indexed: number; probes: number; found: number; reliability: number; at: string }

/**
 * Does this embedding space find a text from a few of its own words? Each probe embeds the longest
 * words of a stored text and looks for that text among the 20 nearest. A space that fails this cannot
 * find paraphrases either: chat models used as embedders (the default for most users) often do, and
 * adding their vectors to the fusion then only adds noise. The share found becomes a factor on the
 * vector weight: ≥ 60 % found counts fully, ≤ 10 % not at all.
 */
export async function embeddingSelfTest(opts: {
  model: string;
  indexed: number;
  sample: Array<{ rowid: number; text: string }>;
  embed: (texts: string[]) => Promise<number[][]>;
  nearest: (vector: number[], k: number) => number[];
}): Promise<SelfTestResult> {
  const probes = opts.sample
    .map((s) => ({ rowid: s.rowid, query: queryTerms(s.text, { stopWords: true, maxTerms: 64 }).sort((a, b) => b.length - a.length).slice(0, 4) }))
    .filter((p) => p.query.length >= 3);
  const vectors = probes.length > 0 ? await opts.embed(probes.map((p) => p.query.join(' '))) : [];
  const found = probes.filter((p, i) => opts.nearest(vectors[i] ?? [], 20).includes(p.rowid)).length;
  const share = probes.length > 0 ? found / probes.length : 1;
  return { model: opts.model, indexed: opts.indexed, probes: probes.length, found, reliability: Math.min(1, Math.max(0, (share - 0.1) / 0.5)), at: new Date().toISOString() };
}

/** The part of a vector store the self-test needs (structural, so both memories can pass theirs). */
export interface SelfTestTarget {
  space(): { model: string; dims: number } | null;
  readonly indexed: number;
  meta(key: string): string | null;
  setMeta(key: string, value: string): void;
  sample(limit: number): Array<{ rowid: number; text: string }>;
  nearest(query: number[], k: number, pool: number): Array<{ rowid: number }>;
}

/**
 * Runs the self-test in the background once an embedding space has enough vectors, again when it has
 * doubled, and whenever the model changes; `reliability()` is 1 until a test has run.
 */
export function createSelfTestRunner(target: SelfTestTarget, embed: (texts: string[]) => Promise<number[][]>, minimum = 100) {
  let running = false;
  // read once, then kept here: every search asks for it
  const stored = target.meta('embedding.selftest');
  let last: SelfTestResult | null = stored ? (JSON.parse(stored) as SelfTestResult) : null;
  const current = (): SelfTestResult | null => {
    const space = target.space();
    return last && space && last.model === space.model ? last : null;
  };
  return {
    current,
    reliability: (): number => current()?.reliability ?? 1,
    maybeRun(): void {
      const space = target.space();
      const tested = current();
      if (running || !space || target.indexed < minimum || (tested && target.indexed < 2 * tested.indexed)) return;
      running = true;
      void embeddingSelfTest({ model: space.model, indexed: target.indexed, sample: target.sample(50), embed, nearest: (v, k) => target.nearest(v, k, 400).map((n) => n.rowid) })
        .then((r) => {
          last = r;
          target.setMeta('embedding.selftest', JSON.stringify(r));
        })
        .catch(() => undefined) // no model right now: tried again on a later search
        .finally(() => {
          running = false;
        });
    },
  };
}
