import { z } from 'zod';

export const backendCheckSchema = z.object({
  backend: z.enum(['cuda', 'vulkan', 'metal', 'cpu']),
  status: z.enum(['chosen', 'available', 'unavailable', 'excluded', 'not-for-this-platform']),
  reason: z.string(),
});

export const diagnosisSchema = z.object({
  chosen: z.object({ backend: z.string(), reason: z.string() }),
  setting: z.object({ gpu: z.string(), exclude: z.array(z.string()) }),
  backends: z.array(backendCheckSchema),
  devices: z.array(z.string()),
  vram: z.object({ totalBytes: z.number(), freeBytes: z.number() }).nullable(),
  ram: z.object({ totalBytes: z.number(), freeBytes: z.number() }),
  cpu: z.object({ cores: z.number().int(), threadsUsed: z.number().int(), model: z.string() }),
  gpusSeen: z.array(z.object({ vendor: z.string(), model: z.string(), vramBytes: z.number().nullable() })),
  advice: z.array(z.string()),
});
export type Diagnosis = z.infer<typeof diagnosisSchema>;
