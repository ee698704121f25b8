import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter, ChatEvent } from '../../core/api/router';

export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;
export type MemoryHit = Outputs['memory']['search']['hits'][number];
export type Episode = Outputs['memory']['recent'][number];
export type Fact = Outputs['memory']['list']['facts'][number];
export type MemoryChange = Outputs['memory']['history'][number];
export type ScoreParts = MemoryHit['scores'];
export type TurnResult = Extract<ChatEvent, { type: 'done' }>['result'];
export type { ChatEvent };
