import type { TFunction } from 'i18next';
import type { OutputDetail } from '../../../../native/api/schemas';

/** One line of the "How it was made" panel: a label and its value, both in the user's language. */
export interface MadeField {
  label: string;
  value: string;
}

type Made = Pick<OutputDetail, 'source' | 'seed' | 'provenance'>;

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const fileName = (path: string) => path.split(/[\\/]/).pop() || path;

/** What each model of a portrait output is called (its provenance keeps id and name). */
function modelNames(provenance: Record<string, unknown>): Map<string, string> {
  const names = new Map<string, string>();
  for (const model of list(provenance.models)) {
    const { id, name } = record(model);
    if (typeof id === 'string' && typeof name === 'string') names.set(id, name);
  }
  return names;
}

function portraitFields(t: TFunction, output: Made): MadeField[] {
  const provenance = output.provenance;
  const names = modelNames(provenance);
  const modelName = (id: unknown) => (typeof id === 'string' ? (names.get(id) ?? id) : '');
  const fields: MadeField[] = [];
  const source = text(record(provenance.source).name);
  if (source) fields.push({ label: t('restore.made.photo'), value: source });
  for (const entry of list(provenance.steps)) {
    const step = record(entry);
    const strength = number(step.strength);
    const fidelity = number(step.fidelity);
    if (step.step === 'restore') {
      const settings = [
        modelName(step.model),
        ...(strength !== undefined ? [t('restore.made.strength', { percent: Math.round(strength * 100) })] : []),
        ...(fidelity !== undefined ? [t('restore.made.fidelity', { value: fidelity.toFixed(2) })] : []),
      ];
      fields.push({ label: t('restore.restoreStep'), value: settings.join(t('restore.made.separator')) });
    } else if (step.step === 'colorize') {
      fields.push({ label: t('restore.colorizeStep'), value: modelName(step.model) });
    } else if (step.step === 'upscale') {
      fields.push({ label: t('restore.upscaleStep'), value: `×${number(step.scale) ?? '?'} · ${modelName(step.model)}` });
    }
  }
  const animation = record(provenance.animation);
  if (Object.keys(animation).length) {
    const preset = text(animation.preset);
    const driving = text(animation.driving);
    const motion = preset
      ? t('restore.made.preset', { name: t(`restore.made.presets.${preset}`, { defaultValue: preset }) })
      : t('restore.made.driving', { name: driving ? fileName(driving) : '' });
    const fps = number(animation.fps);
    const frames = number(animation.frames);
    const seed = output.seed ?? number(animation.seed);
    const settings = [
      motion,
      ...(fps !== undefined && frames !== undefined ? [t('restore.made.frames', { frames, fps })] : []),
      ...(preset && seed !== undefined && seed !== null ? [t('restore.made.seed', { seed })] : []),
    ];
    fields.push({ label: t('restore.animateStep'), value: settings.join(t('restore.made.separator')) });
    const speech = record(animation.speech);
    if (Object.keys(speech).length) {
      const narration = text(record(speech.narration).text);
      fields.push({
        label: t('restore.speechStep'),
        value: [modelName(speech.model), ...(narration ? [t('restore.made.narration', { text: narration })] : [])].join(t('restore.made.separator')),
      });
    }
  }
  return fields;
}

function reelFields(t: TFunction, output: Made): MadeField[] {
  const provenance = output.provenance;
  const fields: MadeField[] = [];
  const template = text(provenance.template);
  if (template) fields.push({ label: t('reels.template'), value: t(`reels.templates.${template}.name`, { defaultValue: template }) });
  const visuals = list(provenance.visuals).length;
  if (visuals) fields.push({ label: t('reels.visuals'), value: String(visuals) });
  const title = text(provenance.title);
  if (title) fields.push({ label: t('reels.title'), value: title });
  const sound = [record(provenance.voice), record(provenance.music)].map((s, i) =>
    Object.keys(s).length ? `${i ? t('reels.music') : t('reels.voice')}` : null,
  );
  if (sound.some(Boolean)) fields.push({ label: t('reels.sound'), value: sound.filter(Boolean).join(t('restore.made.separator')) });
  const loudness = record(record(provenance.loudness).output);
  const lufs = number(loudness.integrated);
  const peak = number(loudness.truePeak);
  if (lufs !== undefined && peak !== undefined)
    fields.push({ label: t('reels.made.loudness'), value: t('reels.loudness', { lufs: lufs.toFixed(1), peak: peak.toFixed(1) }) });
  return fields;
}

/**
 * The settings a restoration, an animated clip or a reel was made with, read from its provenance, for the
 * details panel (these outputs have no prompt, sampler or guidance); null for other outputs.
 */
export function madeWith(t: TFunction, output: Made): MadeField[] | null {
  if (output.source === 'restore' || output.source === 'animate') return portraitFields(t, output);
  if (output.source === 'reel') return reelFields(t, output);
  return null;
}
