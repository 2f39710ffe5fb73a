// Where a generation's time goes, stage by stage; everything a step does besides `session.run` is the loop's
// overhead (the figure bench/diffusion reports as a share of a step).

export interface Timings {
  textEncoderMs: number;
  unetMs: number;
  /** Pipeline time inside the denoising loop that is not the UNet itself (scheduler, guidance, tensors). */
  loopOverheadMs: number;
  vaeEncodeMs: number;
  vaeDecodeMs: number;
  totalMs: number;
  steps: number;
}

export const newTimings = (): Timings => ({ textEncoderMs: 0, unetMs: 0, loopOverheadMs: 0, vaeEncodeMs: 0, vaeDecodeMs: 0, totalMs: 0, steps: 0 });
