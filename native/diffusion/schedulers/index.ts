import { StudioError } from '../../api/errors';
import { parseSchedulerConfig, type SchedulerConfig } from './config';
import { type Scheduler, type SchedulerName } from './scheduler';
import { DdimScheduler } from './ddim';
import { DpmPlusPlus2mScheduler } from './dpmpp-2m';
import { EulerScheduler } from './euler';
import { EulerAncestralScheduler } from './euler-ancestral';
import { LcmScheduler } from './lcm';

export * from './config';
export * from './noise-schedule';
export * from './scheduler';

/** Every scheduler Likeness offers, with the name A1111 writes in its `parameters` (Sampler + Schedule type). */
export const schedulers: Record<SchedulerName, { label: string; a1111: { sampler: string; schedule?: string } }> = {
  euler: { label: 'Euler', a1111: { sampler: 'Euler' } },
  'euler-a': { label: 'Euler ancestral', a1111: { sampler: 'Euler a' } },
  ddim: { label: 'DDIM', a1111: { sampler: 'DDIM' } },
  lcm: { label: 'LCM', a1111: { sampler: 'LCM' } },
  // A1111 (1.9+) reads "DPM++ 2M" without a Schedule type as Automatic, which is Karras for this sampler
  // (modules/sd_samplers_kdiffusion.py, sd_samplers.get_sampler_and_scheduler): ours spaces the model's own
  // sigmas evenly, A1111's "Uniform".
  'dpmpp-2m': { label: 'DPM++ 2M', a1111: { sampler: 'DPM++ 2M', schedule: 'Uniform' } },
  'dpmpp-2m-karras': { label: 'DPM++ 2M Karras', a1111: { sampler: 'DPM++ 2M', schedule: 'Karras' } },
};
export const schedulerNames = Object.keys(schedulers) as SchedulerName[];

/** Sampler names of other tools (lower case): A1111/Forge labels, ComfyUI sampler / scheduler, InvokeAI, and ours. */
const toolSamplers: Record<string, SchedulerName> = {
  euler: 'euler',
  'euler a': 'euler-a',
  'euler ancestral': 'euler-a',
  euler_a: 'euler-a',
  euler_ancestral: 'euler-a',
  ddim: 'ddim',
  lcm: 'lcm',
  'dpm++ 2m': 'dpmpp-2m',
  dpmpp_2m: 'dpmpp-2m',
  'dpm++ 2m karras': 'dpmpp-2m-karras',
  dpmpp_2m_k: 'dpmpp-2m-karras',
};
/** ComfyUI/Fooocus schedules that leave a sampler as it is; "karras" makes DPM++ 2M ours with Karras sigmas. */
const plainSchedules = new Set(['normal', 'simple', 'sgm_uniform', 'ddim_uniform', 'automatic']);

/**
 * Our scheduler for a sampler as another tool names it ("DPM++ 2M Karras", "Euler a", "dpmpp_2m / karras",
 * "euler_ancestral / normal"), or undefined where there is no unambiguous equivalent ("DPM++ 2M SDE", "Euler
 * Karras", "uni_pc"…).
 */
export function schedulerFromToolName(name: string): SchedulerName | undefined {
  const [sampler = '', schedule] = name
    .trim()
    .toLowerCase()
    .split('/')
    .map((part) => part.trim());
  if (schedule === undefined || plainSchedules.has(schedule)) return toolSamplers[sampler];
  if (schedule === 'karras') return toolSamplers[`${sampler} karras`] ?? (toolSamplers[sampler] === 'dpmpp-2m' ? 'dpmpp-2m-karras' : undefined);
  return undefined;
}

/** A scheduler configured from the model's scheduler_config.json (parsed or raw). */
export function createScheduler(name: SchedulerName, config: SchedulerConfig | Record<string, unknown> = {}): Scheduler {
  const parsed = 'numTrainTimesteps' in config ? (config as SchedulerConfig) : parseSchedulerConfig(config);
  switch (name) {
    case 'euler':
      return new EulerScheduler(parsed);
    case 'euler-a':
      return new EulerAncestralScheduler(parsed);
    case 'ddim':
      return new DdimScheduler(parsed);
    case 'lcm':
      return new LcmScheduler(parsed);
    case 'dpmpp-2m':
      return new DpmPlusPlus2mScheduler(parsed, { karras: false });
    case 'dpmpp-2m-karras':
      return new DpmPlusPlus2mScheduler(parsed, { karras: true });
    default:
      throw new StudioError('INVALID_INPUT', `Unknown scheduler “${String(name)}”.`, `Use one of ${schedulerNames.join(', ')}.`);
  }
}
