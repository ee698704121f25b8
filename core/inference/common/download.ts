import { z } from 'zod';

export const downloadRecordSchema = z.object({
  id: z.string(),
  catalogId: z.string().nullable(),
  uri: z.string(),
  fileName: z.string(),
  status: z.enum(['downloading', 'paused', 'verifying', 'done', 'failed', 'cancelled']),
  totalBytes: z.number().nullable(),
  downloadedBytes: z.number(),
  bytesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  error: z.string().nullable(),
  modelId: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type DownloadRecord = z.infer<typeof downloadRecordSchema>;
