import os from 'node:os';
import si from 'systeminformation';

export interface GpuInfo {
  vendor: string;
  model: string;
  vramBytes: number | null;
}

export interface HardwareInventory {
  os: { platform: string; release: string; arch: string; distro: string | null };
  cpu: { model: string; cores: number; speedMHz: number | null };
  ramBytes: number;
  freeRamBytes: number;
  gpus: GpuInfo[];
}

const GPU_PROBE_TIMEOUT_MS = 4_000;

/** What this workstation has. GPU probing shells out to OS tools, so it is bounded in time. */
export async function readHardwareInventory(): Promise<HardwareInventory> {
  const cpus = os.cpus();
  const [graphics, osInfo] = await Promise.all([
    withTimeout(si.graphics(), GPU_PROBE_TIMEOUT_MS).catch(() => null),
    withTimeout(si.osInfo(), GPU_PROBE_TIMEOUT_MS).catch(() => null),
  ]);
  return {
    os: { platform: process.platform, release: os.release(), arch: process.arch, distro: osInfo ? `${osInfo.distro} ${osInfo.release}`.trim() : null },
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism(), speedMHz: cpus[0]?.speed || null },
    ramBytes: os.totalmem(),
    freeRamBytes: os.freemem(),
    gpus: (graphics?.controllers ?? []).map((c) => ({
      vendor: c.vendor || 'unknown',
      model: c.model || 'unknown',
      vramBytes: c.vram ? c.vram * 1024 * 1024 : null,
    })),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}
