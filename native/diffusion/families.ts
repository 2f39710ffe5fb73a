import type { SchedulerName } from './schedulers';

import { DiffusionFamily } from '../api/namespaces/models';

export type { DiffusionFamily } from '../api/namespaces/models';

/** The Stable Diffusion families Likeness runs, and what each needs by default. */
export const diffusionFamilies = DiffusionFamily.options;

export interface FamilyDefaults {
  label: string;
  /** Square image size the family was trained at. */
  size: number;
  steps: number;
  /** Classifier-free guidance scale; ≤ 1 turns guidance off (Turbo models are trained without it). */
  guidance: number;
  scheduler: SchedulerName;
  /** Latents = VAE mean × this (the `scaling_factor` of the VAE config, when the folder does not say). */
  vaeScalingFactor: number;
  /** Two text encoders (CLIP-L + OpenCLIP-bigG), pooled embeddings and size conditioning. */
  xl: boolean;
  /** Distilled for 1–4 steps at trailing timesteps. */
  turbo: boolean;
}

export const familyDefaults: Record<DiffusionFamily, FamilyDefaults> = {
  sd15: {
    label: 'Stable Diffusion 1.5',
    size: 512,
    steps: 25,
    guidance: 7,
    scheduler: 'dpmpp-2m-karras',
    vaeScalingFactor: 0.18215,
    xl: false,
    turbo: false,
  },
  sd21: {
    label: 'Stable Diffusion 2.1',
    size: 768,
    steps: 25,
    guidance: 7,
    scheduler: 'dpmpp-2m-karras',
    vaeScalingFactor: 0.18215,
    xl: false,
    turbo: false,
  },
  'sd-turbo': { label: 'SD-Turbo', size: 512, steps: 1, guidance: 0, scheduler: 'euler', vaeScalingFactor: 0.18215, xl: false, turbo: true },
  sdxl: {
    label: 'Stable Diffusion XL',
    size: 1024,
    steps: 25,
    guidance: 7,
    scheduler: 'dpmpp-2m-karras',
    vaeScalingFactor: 0.13025,
    xl: true,
    turbo: false,
  },
  'sdxl-turbo': { label: 'SDXL-Turbo', size: 512, steps: 1, guidance: 0, scheduler: 'euler', vaeScalingFactor: 0.13025, xl: true, turbo: true },
};
