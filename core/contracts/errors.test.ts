import { describe, expect, it } from 'vitest';
import { hintOf, PagiError } from './errors.js';

describe('error hints', () => {
  it('travel in data, apart from the message, and survive the wire', () => {
    const e = PagiError.hinted('NOT_FOUND', 'no episode with id x', { cli: '`pagi memory list` shows the ids', app: 'search again' }, { tier: 'episodic' });
    expect(e.message).toBe('no episode with id x');
    expect(e.data).toEqual({ tier: 'episodic', hint: { cli: '`pagi memory list` shows the ids', app: 'search again' } });
    const back = PagiError.fromWire(JSON.parse(JSON.stringify(e.toWire())));
    expect(hintOf(back)).toEqual({ cli: '`pagi memory list` shows the ids', app: 'search again' });
  });

  it('an error without one, or with one of the wrong shape, has none', () => {
    expect(hintOf(new PagiError('INTERNAL', 'x'))).toBeNull();
    expect(hintOf(new PagiError('INTERNAL', 'x', { hint: 'a string' }))).toBeNull();
    expect(hintOf(new PagiError('INTERNAL', 'x', { hint: { cli: 3 } }))).toBeNull();
    expect(hintOf(new PagiError('INTERNAL', 'x', { hint: { cli: 'y'.repeat(301) } }))).toBeNull();
    expect(hintOf(null)).toBeNull();
    expect(hintOf({ hint: { app: 'plain data works too' } })).toEqual({ app: 'plain data works too' });
  });
});
