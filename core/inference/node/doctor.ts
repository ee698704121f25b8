import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { readHardwareInventory } from '../../../native/hardware.js';
import { backendPossibleHere, missingPrerequisite, type GpuBackend } from '../../../native/gpuProbe.js';
import type { Diagnosis } from '../common/diagnosis.js';

const BACKENDS: GpuBackend[] = ['cuda', 'vulkan', 'metal'];

export interface DoctorInput {
  llama: Llama;
  gpuSetting: string;
  exclude: GpuBackend[];
  threads: number;
  chosenReason: string;
  /** Load the other backends' binaries to see whether they would work (slower, on demand). */
  probe: boolean;
}

/** The hardware doctor: which backend runs, why the others do not, and what the user can do about it. */
export async function diagnose(input: DoctorInput): Promise<Diagnosis> {
  const chosen = input.llama.gpu || 'cpu';
  const hardware = await readHardwareInventory();
  const backends: Diagnosis['backends'] = [];
  for (const backend of BACKENDS) {
    if (backend === chosen) {
      backends.push({ backend, status: 'chosen', reason: input.chosenReason });
    } else if (!backendPossibleHere(backend)) {
      backends.push({ backend, status: 'not-for-this-platform', reason: `${backend} does not exist on ${process.platform}` });
    } else if (input.exclude.includes(backend)) {
      backends.push({ backend, status: 'excluded', reason: 'excluded in the inference settings' });
    } else {
      const missing = missingPrerequisite(backend);
      if (missing) backends.push({ backend, status: 'unavailable', reason: missing });
      else if (!input.probe) backends.push({ backend, status: 'available', reason: 'its prerequisites are present (run the doctor with --probe to load it and be sure)' });
      else {
        try {
          const other = await getLlama({ gpu: backend, build: 'never', logLevel: LlamaLogLevel.disabled, maxThreads: 1 });
          await other.dispose();
          backends.push({ backend, status: 'available', reason: `its binary loads here; choose it with inference.gpu = "${backend}"` });
        } catch (err) {
          backends.push({ backend, status: 'unavailable', reason: `the prebuilt ${backend} binary does not work on this system (${(err as Error).message}); update the GPU driver` });
        }
      }
    }
  }
  backends.push({ backend: 'cpu', status: chosen === 'cpu' ? 'chosen' : 'available', reason: chosen === 'cpu' ? input.chosenReason : 'always available as the fallback' });

  const vramState = input.llama.gpu ? await input.llama.getVramState() : null;
  const devices = input.llama.gpu ? await input.llama.getGpuDeviceNames() : [];
  const advice: string[] = [];
  const nvidia = hardware.gpus.find((g) => /nvidia/i.test(`${g.vendor} ${g.model}`));
  const cuda = backends.find((b) => b.backend === 'cuda');
  if (chosen === 'cpu' && nvidia && cuda?.status === 'unavailable') advice.push(`An NVIDIA GPU (${nvidia.model}) is present but CUDA cannot be used: ${cuda.reason}.`);
  if (chosen === 'cpu' && hardware.gpus.length > 0 && !nvidia && backends.find((b) => b.backend === 'vulkan')?.status === 'unavailable') {
    advice.push(`A GPU (${hardware.gpus[0]?.model ?? 'unknown'}) is present but Vulkan cannot be used; installing its Vulkan driver lets models run on it.`);
  }
  if (chosen === 'cpu' && hardware.gpus.length === 0) advice.push(`No GPU was found: models run on the CPU with ${input.threads} thread(s). Small quantized models (up to ~3B parameters, Q4) are the practical choice.`);
  if (input.threads > availableParallelism()) advice.push(`inference.threads is ${input.threads} but this machine has ${availableParallelism()} cores: lower it to ${Math.max(1, Math.floor(availableParallelism() / 2))}.`);
  if (freemem() < 1024 ** 3) advice.push('Less than 1 GB of RAM is free: close other programs or choose a smaller model.');
  if (advice.length === 0) advice.push(chosen === 'cpu' ? 'Running on the CPU as configured.' : `Models run on the GPU (${chosen}).`);

  return {
    chosen: { backend: chosen, reason: input.chosenReason },
    setting: { gpu: input.gpuSetting, exclude: input.exclude },
    backends,
    devices,
    vram: vramState ? { totalBytes: vramState.total, freeBytes: vramState.free } : null,
    ram: { totalBytes: totalmem(), freeBytes: freemem() },
    cpu: { cores: availableParallelism(), threadsUsed: input.threads, model: cpus()[0]?.model.trim() ?? 'unknown' },
    gpusSeen: hardware.gpus,
    advice,
  };
}
