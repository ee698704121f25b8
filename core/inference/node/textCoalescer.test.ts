import { describe, expect, it } from 'vitest';
import type { GenerateChunk } from '../common/contract.js';
import { withCoalescedText } from './textCoalescer.js';

describe('coalesced text', () => {
  it('joins text chunks, lets other chunks through after the text before them, and hands on the rest at the end', async () => {
    const seen: GenerateChunk[] = [];
    const result = await withCoalescedText(1_000, (c) => seen.push(c), async (emit) => {
      emit({ type: 'waiting', ahead: 1 });
      emit({ type: 'generating' });
      emit({ type: 'text', text: 'Once' });
      emit({ type: 'text', text: ' upon' });
      emit({ type: 'waiting', ahead: 0 });
      emit({ type: 'text', text: ' a time' });
      return 'done';
    });
    expect(result).toBe('done');
    expect(seen).toEqual([
      { type: 'waiting', ahead: 1 },
      { type: 'generating' },
      { type: 'text', text: 'Once upon' },
      { type: 'waiting', ahead: 0 },
      { type: 'text', text: ' a time' },
    ]);
  });

  it('a failed generation still hands on the text it wrote, then nothing more', async () => {
    const seen: GenerateChunk[] = [];
    let late: ((c: GenerateChunk) => void) | null = null;
    await expect(withCoalescedText(1_000, (c) => seen.push(c), async (emit) => {
      late = emit;
      emit({ type: 'text', text: 'partial' });
      throw new Error('the model went away');
    })).rejects.toThrow('the model went away');
    (late as ((c: GenerateChunk) => void) | null)?.({ type: 'text', text: 'after the end' });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([{ type: 'text', text: 'partial' }]);
  });

  it('with an interval of 0 every text chunk goes at once', async () => {
    const seen: GenerateChunk[] = [];
    await withCoalescedText(0, (c) => seen.push(c), async (emit) => {
      emit({ type: 'text', text: 'a' });
      expect(seen).toEqual([{ type: 'text', text: 'a' }]);
      emit({ type: 'text', text: 'b' });
    });
    expect(seen).toEqual([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]);
  });
});
