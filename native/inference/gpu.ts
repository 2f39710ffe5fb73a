import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function tryCommand(file: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run(file, args, { timeout: 8_000, windowsHide: true });
    return stdout;
  } catch {
    return undefined;
  }
}

const vendors: Record<string, string> = { '0x10de': 'NVIDIA', '0x1002': 'AMD', '0x8086': 'Intel', '0x1af4': 'virtio', '0x1234': 'QEMU' };

/** Best-effort names of the machine's GPUs, from the tools each OS has. Never throws. */
export async function gpuAdapters(): Promise<{ adapters: string[]; source?: string }> {
  const nvidia = await tryCommand('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader']);
  if (nvidia?.trim())
    return {
      adapters: nvidia
        .trim()
        .split('\n')
        .map((l) => l.trim()),
      source: 'nvidia-smi',
    };

  if (process.platform === 'darwin') {
    const out = await tryCommand('system_profiler', ['SPDisplaysDataType']);
    const names = [...(out ?? '').matchAll(/Chipset Model:\s*(.+)/g)].map((m) => m[1]!.trim());
    return names.length ? { adapters: names, source: 'system_profiler' } : { adapters: [] };
  }
  if (process.platform === 'win32') {
    const out = await tryCommand('powershell', ['-NoProfile', '-Command', '(Get-CimInstance Win32_VideoController).Name']);
    const names = (out ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    return names.length ? { adapters: names, source: 'Win32_VideoController' } : { adapters: [] };
  }
  const lspci = await tryCommand('lspci', []);
  const fromLspci = (lspci ?? '')
    .split('\n')
    .filter((l) => /VGA|3D controller|Display controller/.test(l))
    .map((l) => l.replace(/^\S+\s+/, ''));
  if (fromLspci.length) return { adapters: fromLspci, source: 'lspci' };
  try {
    const cards = (await readdir('/sys/class/drm')).filter((c) => /^card\d+$/.test(c));
    const names = await Promise.all(
      cards.map(async (card) => {
        const vendor = (await readFile(`/sys/class/drm/${card}/device/vendor`, 'utf8')).trim();
        const device = (await readFile(`/sys/class/drm/${card}/device/device`, 'utf8')).trim();
        return `${vendors[vendor] ?? vendor} device ${device}`;
      }),
    );
    return names.length ? { adapters: names, source: '/sys/class/drm' } : { adapters: [] };
  } catch {
    return { adapters: [] };
  }
}
