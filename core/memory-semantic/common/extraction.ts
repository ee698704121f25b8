import { z } from 'zod';

/** What the model must return when asked for facts (the grammar enforces the shape; zod checks it again). */
export const PROPOSAL_SCHEMA = {
  type: 'object',
  properties: {
    facts: {
      type: 'array',
      maxItems: 8,
      items: { type: 'object', properties: { text: { type: 'string', maxLength: 300 }, confidence: { type: 'number' } }, required: ['text', 'confidence'] },
    },
  },
  required: ['facts'],
} as const;

export const proposalSchema = z.object({ facts: z.array(z.object({ text: z.string(), confidence: z.number() })) });

export const DECISION_ACTIONS = ['ADD', 'UPDATE', 'SUPERSEDE', 'NONE'] as const;

/** The decision for one proposed fact against the numbered similar facts already known. */
export function decisionSchema(candidates: number): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      action: { enum: [...DECISION_ACTIONS] },
      target: { enum: Array.from({ length: Math.max(1, candidates) }, (_, i) => i + 1) },
      text: { type: 'string', maxLength: 300 },
    },
    required: ['action', 'target', 'text'],
  };
}
export const decisionValueSchema = z.object({ action: z.enum(DECISION_ACTIONS), target: z.number().int(), text: z.string() });

export const EXTRACT_SYSTEM = [
  'You extract lasting facts from a conversation for a personal memory.',
  'Write each fact as one short, self-contained sentence that names who it is about (use names, not "I" or "you").',
  'Only facts that stay true for a while: preferences, relationships, plans, events, jobs, places, possessions.',
  'No greetings, opinions about the conversation, or questions. Return an empty list when there is nothing.',
  'confidence is between 0 and 1.',
].join(' ');

export const DECIDE_SYSTEM = [
  'You maintain a memory of facts. Compare a NEW fact with the EXISTING facts and choose one action:',
  'ADD if it is new information; UPDATE if it adds detail to existing fact number `target` (give the merged sentence in `text`);',
  'SUPERSEDE if it contradicts or replaces existing fact number `target` (the new fact in `text`); NONE if it is already known.',
].join(' ');

/** A proposed fact worth keeping: trimmed, a sentence-like length, confidence clamped; null when not. */
export function cleanProposal(p: { text: string; confidence: number }): { text: string; confidence: number } | null {
  const text = p.text.replace(/\s+/g, ' ').trim();
  if (text.length < 8 || text.length > 300 || !/\p{L}{2}/u.test(text)) return null;
  const confidence = Number.isFinite(p.confidence) ? Math.min(1, Math.max(0, p.confidence > 1 && p.confidence <= 100 ? p.confidence / 100 : p.confidence)) : 0.5;
  return { text, confidence };
}
