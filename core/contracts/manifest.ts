/** Every service of the PAGI core, with the services it needs to be running before it starts. */
export const SERVICE_MANIFEST = {
  'event-router': { dependsOn: [] },
  identity: { dependsOn: ['event-router'] },
  inference: { dependsOn: ['event-router'] },
  perception: { dependsOn: [] },
  emotion: { dependsOn: ['event-router', 'identity'] },
  'memory.working': { dependsOn: ['inference'] },
  'memory.episodic': { dependsOn: ['event-router', 'inference'] },
  'memory.semantic': { dependsOn: ['event-router', 'inference', 'memory.episodic'] },
  context: { dependsOn: ['memory.working', 'memory.episodic', 'memory.semantic', 'inference'] },
  social: { dependsOn: [] },
  actuator: { dependsOn: ['event-router'] },
  executive: {
    dependsOn: [
      'event-router',
      'perception',
      'emotion',
      'context',
      'social',
      'inference',
      'actuator',
      'memory.episodic',
      'memory.working',
      'identity',
    ],
  },
  learning: { dependsOn: ['event-router', 'memory.episodic'] },
  gateway: { dependsOn: ['identity', 'event-router'] },
} as const satisfies Record<string, { dependsOn: readonly string[] }>;

export type ServiceId = keyof typeof SERVICE_MANIFEST;
export const SERVICE_IDS = Object.keys(SERVICE_MANIFEST) as ServiceId[];


/** Folder of a service: dotted ids become dashed (`memory.episodic` → `memory-episodic`). */
export function serviceFolder(id: string): string {
  return id.replaceAll('.', '-');
}
