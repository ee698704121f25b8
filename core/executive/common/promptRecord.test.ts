import { describe, expect, it } from 'vitest';
import { FORGOTTEN_MEMORY, promptMessages, promptRecord, withoutMemory } from './promptRecord.js';

describe('a kept prompt', () => {
  const record = promptRecord('You are Ada.', [{ id: 'e1', text: 'Sam has a cat called Pixel' }, { id: 'f2', text: 'Sam lives in Leeds\nnear the river' }], [{ role: 'user', content: 'What is my cat called?' }]);

  it('reads back exactly as the model was given it', () => {
    expect(promptMessages(record)).toEqual([
      { role: 'system', content: 'You are Ada.\n\nWhat you remember that may be relevant:\n- Sam has a cat called Pixel\n- Sam lives in Leeds\nnear the river' },
      { role: 'user', content: 'What is my cat called?' },
    ]);
    expect(JSON.stringify(record.messages)).not.toContain('Pixel');
  });

  it('forgetting a memory takes its words out, once, and says so where they were', () => {
    const forgotten = withoutMemory(record, 'e1');
    expect(forgotten).not.toBeNull();
    expect(JSON.stringify(forgotten)).not.toContain('Pixel');
    expect(promptMessages(forgotten as never)[0]?.content).toContain(`- ${FORGOTTEN_MEMORY}\n- Sam lives in Leeds`);
    expect(withoutMemory(forgotten as never, 'e1')).toBeNull();
    expect(withoutMemory(record, 'not-recalled')).toBeNull();
  });

  it('without memories there is no header, and user text that looks like a marker stays as it is', () => {
    const plain = promptRecord('You are Ada.', [], [{ role: 'user', content: '\uE000memory:0\uE001' }]);
    expect(promptMessages(plain)).toEqual([{ role: 'system', content: 'You are Ada.' }, { role: 'user', content: '\uE000memory:0\uE001' }]);
  });
});
