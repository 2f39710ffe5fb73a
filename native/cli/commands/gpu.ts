import { cudaStatus, installCudaProvider } from '../../inference/cuda';
import type { CliContext } from '../context';
import { fail, print, usageError } from '../output';

export function registerGpu(cli: CliContext): void {
  const gpu = cli.program.command('gpu').description('GPU execution providers');
  gpu
    .command('install')
    .description('add an execution provider that is not built in')
    .argument('<provider>', 'cuda (Linux x64, NVIDIA, CUDA 13)')
    .option('--json', 'machine-readable output')
    .action(async (provider: string, options: { json?: boolean }) => {
      try {
        if (provider !== 'cuda')
          throw usageError(`Unknown provider “${provider}”.`, 'Only cuda needs installing; webgpu, dml and coreml are built in.');
        const result = await installCudaProvider({ onStatus: (message) => !options.json && process.stderr.write(`${message}\n`) });
        print(result, Boolean(options.json), (r) =>
          [
            `Installed ${r.package}@${r.version} (onnxruntime ${r.onnxruntime}) into ${r.dir}:`,
            ...r.files.map((f) => `  ${f.name}  sha256 ${f.sha256}`),
            r.missingLibraries.length
              ? `This machine lacks: ${r.missingLibraries.join(', ')}. Install the CUDA 13 runtime and cuDNN 9 (or add their folder to LD_LIBRARY_PATH); \`likeness doctor\` checks again.`
              : 'All CUDA libraries were found: `likeness doctor` runs a test session on it.',
          ].join('\n'),
        );
      } catch (error) {
        fail(error, Boolean(options.json));
      }
    });
  gpu
    .command('status')
    .description('whether the CUDA provider is installed and which CUDA/cuDNN libraries are missing')
    .option('--verify', 'also check the installed files against their pinned sha256')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean; verify?: boolean }) => {
      try {
        const status = await cudaStatus({ verify: Boolean(options.verify) });
        print(status, Boolean(options.json), (s) =>
          [
            s.installed
              ? `CUDA provider: ${s.package ?? 'placed by hand'}${s.version ? `@${s.version}` : ''}${s.verified === null ? '' : s.verified ? ' (files verified)' : ' (files DIFFER from the pinned ones)'}`
              : 'CUDA provider: not installed',
            ...(s.missingLibraries.length ? [`missing: ${s.missingLibraries.join(', ')}`] : []),
            s.advice,
          ].join('\n'),
        );
      } catch (error) {
        fail(error, Boolean(options.json));
      }
    });
}
