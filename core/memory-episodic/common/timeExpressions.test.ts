import { describe, expect, it } from 'vitest';
import { parseTimeExpression } from './timeExpressions.js';

const now = Date.parse('2024-08-15T12:00:00Z'); // a Thursday

describe('parseTimeExpression', () => {
  it('reads months, days, years and relative times', () => {
    expect(parseTimeExpression('What did Alice do in June?', now)).toEqual({ range: { from: '2024-06-01T00:00:00.000Z', to: '2024-06-30T23:59:59.999Z', phrase: 'in June' }, rest: 'What did Alice do ?' });
    expect(parseTimeExpression('trip in September', now).range?.from).toBe('2023-09-01T00:00:00.000Z');
    expect(parseTimeExpression('on May 8, 2023 we met', now).range).toMatchObject({ from: '2023-05-08T00:00:00.000Z', to: '2023-05-08T23:59:59.999Z' });
    expect(parseTimeExpression('the 3rd of March', now).range?.from).toBe('2024-03-03T00:00:00.000Z');
    expect(parseTimeExpression('in 2022', now).range).toMatchObject({ from: '2022-01-01T00:00:00.000Z', to: '2022-12-31T23:59:59.999Z' });
    expect(parseTimeExpression('yesterday', now).range?.from).toBe('2024-08-14T00:00:00.000Z');
    expect(parseTimeExpression('last week', now).range).toMatchObject({ from: '2024-08-05T00:00:00.000Z', to: '2024-08-11T23:59:59.999Z' });
    expect(parseTimeExpression('last month', now).range?.from).toBe('2024-07-01T00:00:00.000Z');
    expect(parseTimeExpression('two weeks ago', now).range?.from).toBe('2024-07-28T00:00:00.000Z');
  });
  it('leaves "may" the verb and queries without time alone', () => {
    expect(parseTimeExpression('I may go hiking', now).range).toBeNull();
    expect(parseTimeExpression('in May', now).range?.from).toBe('2024-05-01T00:00:00.000Z');
    expect(parseTimeExpression('dogs and cats', now)).toEqual({ range: null, rest: 'dogs and cats' });
  });
});
