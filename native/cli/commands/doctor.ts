import type { DoctorReport } from '../../api/schemas';
import { autoProviders } from '../../inference/providers';
import { formatBytes } from '../../models/manager';
import type { CliContext } from '../context';
import { print } from '../output';

export function registerDoctor(cli: CliContext): void {
  cli.program
    .command('doctor')
    .description('check Node, ffmpeg, execution providers, the GPU and the library')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const report = await studio.api.system.doctor();
        print(report, Boolean(options.json), formatDoctor);
      }),
    );
}

const providerHome: Record<string, string> = { dml: 'Windows', coreml: 'macOS', cuda: 'Linux and Windows' };

/** The terminal report. Providers Likeness never uses on this OS are marked as such, not as failures. */
export function formatDoctor(report: DoctorReport): string {
  const mark = (ok: boolean) => (ok ? 'ok ' : '✗  ');
  const f = report.ffmpeg;
  const lines = [
    `Likeness ${report.appVersion} on ${report.platform.os} ${report.platform.arch}`,
    `${mark(report.node.ok)} Node ${report.node.version} (needs ${report.node.required})`,
    f.found
      ? `${mark(true)} ffmpeg ${f.version} (${f.source}: ${f.path}) — ${Object.entries(f.features ?? {})
          .map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`)
          .join(', ')}`
      : `${mark(false)} ffmpeg: ${f.error}${f.hint ? `\n     ${f.hint}` : ''}`,
    `   onnxruntime-node ${report.onnxruntime.version ?? `unavailable: ${report.onnxruntime.error}`}`,
    ...report.providers.map((p) => {
      const used = autoProviders(report.platform.os as NodeJS.Platform).includes(p.name);
      if (p.status === 'ok') return `${mark(true)} provider ${p.name.padEnd(7)} ok (${p.millis} ms)`;
      if (!used)
        return `-   provider ${p.name.padEnd(7)} not used on ${report.platform.os} (${providerHome[p.name] ?? 'other systems'} only): ${p.error}`;
      return `${mark(false)} provider ${p.name.padEnd(7)} ${p.error}`;
    }),
    ...(report.cuda
      ? [
          report.cuda.installed
            ? `${mark(!report.cuda.missingLibraries.length)} CUDA provider ${report.cuda.package ?? '(placed by hand)'}${report.cuda.version ? `@${report.cuda.version}` : ''}${report.cuda.missingLibraries.length ? ` — missing: ${report.cuda.missingLibraries.join(', ')}` : ''}\n     ${report.cuda.advice}`
            : `   CUDA provider not installed — ${report.cuda.advice}`,
        ]
      : []),
    `   GPU: ${report.gpu.adapters.length ? report.gpu.adapters.join('; ') : 'no adapter name could be read'}`,
    `${mark(report.library.integrity === 'ok')} library ${report.library.path} (schema ${report.library.schemaVersion}, integrity ${report.library.integrity}, ${report.library.outputs} outputs${report.library.freeBytes !== undefined ? `, ${formatBytes(report.library.freeBytes)} free on its disk` : ''})`,
    `   models folder: ${report.models.path}`,
  ];
  return lines.join('\n');
}
