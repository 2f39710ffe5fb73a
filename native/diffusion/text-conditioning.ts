// The text condition of a generation: the prompt and the negative through the model family's encoders.
import type { OpenedSession } from '../inference/session';
import { deepestHiddenState } from '../models/diffusion-folder';
import type { DiffusionModel } from './loader';
import { floatValues, numberTensor } from './tensors';
import type { ClipTokenizer } from './tokenizer';
import type { Timings } from './stage-timings';

export interface PromptEmbedding {
  /** [77, C]: the text encoder's hidden states (SDXL: both encoders' penultimate layers side by side). */
  hidden: Float32Array;
  /** SDXL: the second encoder's pooled, projected embedding [P]. */
  pooled: Float32Array | undefined;
  tokens: number;
  truncated: boolean;
}

async function runEncoder(session: OpenedSession, tokenizer: ClipTokenizer, text: string, output: string, timings: Timings) {
  const encoded = tokenizer.encode(text);
  const started = performance.now();
  const results = await session.run({ input_ids: numberTensor(session, 'input_ids', encoded.ids, [1, encoded.ids.length]) });
  timings.textEncoderMs += performance.now() - started;
  return { results, encoded, hidden: floatValues(results[output], `${session.model} ${output}`) };
}

/** Encodes one prompt the way the model family was trained to read it. */
export async function encodePrompt(model: DiffusionModel, text: string, timings: Timings): Promise<PromptEmbedding> {
  if (!model.textEncoder2 || !model.tokenizer2) {
    const { hidden, encoded } = await runEncoder(model.textEncoder, model.tokenizer, text, 'last_hidden_state', timings);
    return { hidden, pooled: undefined, tokens: encoded.tokenCount, truncated: encoded.truncated };
  }
  // SDXL: penultimate hidden states of both encoders, concatenated per token; pooled from the second.
  const layer1 = `hidden_states.${deepestHiddenState(model.info.signatures.textEncoder)! - 1}`;
  const layer2 = `hidden_states.${deepestHiddenState(model.info.signatures.textEncoder2!)! - 1}`;
  const first = await runEncoder(model.textEncoder, model.tokenizer, text, layer1, timings);
  const second = await runEncoder(model.textEncoder2, model.tokenizer2, text, layer2, timings);
  const pooled = floatValues(second.results.text_embeds, 'text_encoder_2 text_embeds');
  const length = first.encoded.ids.length;
  const c1 = first.hidden.length / length;
  const c2 = second.hidden.length / length;
  const hidden = new Float32Array(length * (c1 + c2));
  for (let t = 0; t < length; t++) {
    hidden.set(first.hidden.subarray(t * c1, (t + 1) * c1), t * (c1 + c2));
    hidden.set(second.hidden.subarray(t * c2, (t + 1) * c2), t * (c1 + c2) + c1);
  }
  return { hidden, pooled: pooled.slice(), tokens: first.encoded.tokenCount, truncated: first.encoded.truncated };
}

/** The negative prompt; SDXL models encode an empty one as zeros (`force_zeros_for_empty_prompt`). */
export async function encodeNegative(model: DiffusionModel, text: string, like: PromptEmbedding, timings: Timings): Promise<PromptEmbedding> {
  if (!text.trim() && model.info.forceZerosForEmptyPrompt) {
    return { hidden: new Float32Array(like.hidden.length), pooled: like.pooled && new Float32Array(like.pooled.length), tokens: 0, truncated: false };
  }
  return encodePrompt(model, text, timings);
}

export interface Conditioning {
  positive: PromptEmbedding;
  /** Present when guidance applies (guidance > 1). */
  negative: PromptEmbedding | undefined;
  guidance: number;
  width: number;
  height: number;
}

/** Encodes prompt and negative; guidance ≤ 1 skips the negative pass (Turbo models are distilled without it). */
export async function encodeConditioning(
  model: DiffusionModel,
  params: { prompt: string; negativePrompt: string; guidance: number; width: number; height: number },
  timings: Timings,
): Promise<Conditioning> {
  const positive = await encodePrompt(model, params.prompt, timings);
  const negative = params.guidance > 1 ? await encodeNegative(model, params.negativePrompt, positive, timings) : undefined;
  return { positive, negative, guidance: params.guidance, width: params.width, height: params.height };
}
