import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type GpuBackend = 'cuda' | 'vulkan' | 'metal';

/** Whether a backend can exist on this OS and CPU at all. */
export function backendPossibleHere(backend: GpuBackend, platform = process.platform): boolean {
  if (backend === 'metal') return platform === 'darwin';
  return platform === 'linux' || platform === 'win32';
}

function linuxLibraryPresent(name: string): boolean {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 3_000 }).includes(name);
  } catch {
    return ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/lib/aarch64-linux-gnu'].some((d) => existsSync(join(d, name)));
  }
}

const system32 = (): string => join(process.env.SystemRoot ?? 'C:\\Windows', 'System32');

/**
 * What a backend needs from the system before its prebuilt binary can work, in plain words:
 * null when the prerequisite is there, else the reason and what to do.
 */
export function missingPrerequisite(backend: GpuBackend, platform = process.platform): string | null {
  if (backend === 'cuda') {
    if (platform === 'linux' && !existsSync('/proc/driver/nvidia/version')) return 'no NVIDIA driver is loaded (needed for CUDA): install the NVIDIA driver for your GPU and restart';
    if (platform === 'win32' && !existsSync(join(system32(), 'nvcuda.dll'))) return 'no NVIDIA driver was found (nvcuda.dll is missing): install the NVIDIA driver for your GPU';
    return null;
  }
  if (backend === 'vulkan') {
    if (platform === 'linux' && !linuxLibraryPresent('libvulkan.so.1')) return 'no Vulkan loader (libvulkan.so.1): install your distribution\'s Vulkan driver packages (e.g. mesa-vulkan-drivers and libvulkan1)';
    if (platform === 'win32' && !existsSync(join(system32(), 'vulkan-1.dll'))) return 'no Vulkan loader (vulkan-1.dll): update your GPU driver, which installs it';
    return null;
  }
  return null;
}
