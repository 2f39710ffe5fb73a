import type { ProviderName, ProviderProbe } from '../api/schemas';
import { forkEntry } from '../core/entry-points';

export type ProbeMessage = { type: 'version'; version: string } | { type: 'trying'; name: ProviderName } | { type: 'result'; result: ProviderProbe };

export interface ProbeReport {
  version?: string;
  results: ProviderProbe[];
  error?: string;
}

/** Tries each provider in a child process; a crash or hang is reported against the provider being tried. */
export function probeProviders(names: readonly ProviderName[], timeoutMs = 60_000): Promise<ProbeReport> {
  return new Promise((resolve) => {
    const report: ProbeReport = { results: [] };
    let trying: ProviderName | undefined;
    let stderr = '';
    const child = forkEntry('provider-probe', [...names], { silent: true });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.stdout?.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (message: ProbeMessage) => {
      if (message.type === 'version') report.version = message.version;
      else if (message.type === 'trying') trying = message.name;
      else {
        report.results.push(message.result);
        trying = undefined;
      }
    });
    child.on('error', (error) => {
      report.error = error.message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const how = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (timed out)' : ''}` : `exited with code ${code}`;
      if (trying)
        report.results.push({ name: trying, status: 'error', error: `the probe process ${how} while creating a session: ${lastLine(stderr)}` });
      for (const name of names) {
        if (!report.results.some((r) => r.name === name))
          report.results.push({ name, status: 'error', error: `not tried: the probe process ${how}` });
      }
      if (!report.version && code !== 0) report.error ??= `onnxruntime-node could not be loaded: ${lastLine(stderr)}`;
      resolve(report);
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '(no output)';
}
