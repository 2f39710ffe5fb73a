/**
 * Every progress message a job can report, by key, with its English text. A job reports both: the English
 * `message` (CLI, logs, older clients) and the key + params, which the UI translates from
 * `renderer/src/locales/<language>/jobs.json` → `progress.<key>` (a test checks each key here exists there).
 *
 * Texts use i18next's `{{name}}` placeholders. A text that depends on a count has `one` / `other` forms (the UI
 * uses i18next's `_one` / `_other` plural keys for it).
 */
export const progressMessages = {
  'job.done': 'Done',
  'job.cancelled': 'Cancelled.',
  'job.cancelledForced': 'Cancelled: it did not stop when asked, so it was stopped.',
  'job.resumed': 'Resumed after the app stopped unexpectedly.',
  'job.paused': 'Paused when the app closed; it resumes on the next start.',
  'job.countOf': '{{done}} of {{total}}',

  'catalog.lookingForImages': 'Looking for images…',
  'catalog.imagesFound': { one: '{{count}} image found', other: '{{count}} images found' },
  'catalog.noImagesFound': 'No images found',
  'catalog.toExport': '{{count}} to export',
  'catalog.nothingToExport': 'Nothing to export',
  'catalog.contactSheet': 'Contact sheet…',

  'people.lookingForPhotos': 'Looking for photos…',
  'people.photosFound': { one: '{{count}} photo found', other: '{{count}} photos found' },
  'people.noPhotosFound': 'No photos found',
  'people.vetting': 'Vetting…',

  'likeness.preparing': 'Loading the face models…',
  'likeness.scoring': 'Likeness {{done}} of {{total}}',
  'people.writingDataset': 'Writing the dataset…',
  'people.startingTrainer': 'Starting the trainer…',
  'people.trainStep': 'step {{step}}/{{total}}',
  'people.trainStepLoss': 'step {{step}}/{{total}} · loss {{loss}}',

  'inference.fallback': '{{provider}} could not run {{model}}: {{reason}} — using the next provider',
  'inference.fallbackRemembered': '{{provider}} is not tried again for {{model}} (it failed earlier: {{reason}}) — using the next provider',

  'generate.checkingModel': 'Checking the model…',
  'generate.fingerprinting': 'Fingerprinting the model (once)…',
  'generate.loading': 'Loading {{component}}…',
  'generate.loraUnmatched': '{{count}} LoRA keys matched no weight of {{model}} (see the job result)',
  'generate.step': 'Image {{index}} of {{total}} · step {{step}}/{{steps}}',
  'generate.stepBatch': 'Image {{first}}–{{last}} of {{total}} · step {{step}}/{{steps}}',
  'generate.farmSending': 'Sending {{count}} images to the farm…',
  'generate.farmProgress': '{{done}} of {{total}} images from the farm · {{active}} being made',
  'generate.done': { one: '{{count}} image on {{provider}}', other: '{{count}} images on {{provider}}' },

  'models.downloading': '{{file}}: {{received}}',
  'models.downloadingOf': '{{file}}: {{received}} of {{size}}',
  'models.downloaded': '{{name}} downloaded',
  'models.downloadedChecked': '{{name}} downloaded and checked',
  'models.verifyCheck': '{{name}}: {{check}}',
  'models.verified': '{{name}} works on this machine',

  'reels.preparingPhotos': 'Preparing photos',
  'reels.measuringLoudness': 'Measuring loudness',
  'reels.rendering': 'Rendering',
  'reels.rendered': 'Rendered',
  'reels.checkingLoudness': 'Checking loudness',

  'portrait.readingPhoto': 'Reading the photo…',
  'portrait.upscaling': 'Upscaling ×{{scale}}…',
  'portrait.upscalingTile': 'Upscaling ×{{scale}}: tile {{done}} of {{total}}',
  'portrait.restoringFaces': { one: 'Restoring {{count}} face…', other: 'Restoring {{count}} faces…' },
  'portrait.restoredFace': 'Restored face {{done}} of {{total}}',
  'portrait.colorizing': 'Colorizing…',
  'portrait.loadingLivePortrait': 'Loading LivePortrait…',
  'portrait.readingVoice': 'Reading the voice…',
  'portrait.speakingNarration': 'Speaking the narration…',
  'portrait.readingDrivingVideo': 'Reading the driving video…',
  'portrait.readingDrivingMotion': 'Reading the driving motion: frame {{done}} of {{total}}',
  'portrait.animatingFrame': 'Animating: frame {{done}} of {{total}}',
  'portrait.previewReady': 'Preview ready',
} as const satisfies Record<string, string | { one: string; other: string }>;

export type ProgressKey = keyof typeof progressMessages;
export type ProgressParams = Record<string, string | number>;

/** A progress message the UI can translate: a key of `progressMessages` and the values for its placeholders. */
export interface ProgressNote {
  key: ProgressKey;
  params?: ProgressParams;
}

/** A progress message in both forms: English text and the note to translate it from. */
export interface ProgressText {
  message: string;
  note: ProgressNote;
}

/** The placeholders a text uses (`{{count}}` → "count"). */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
}

/** The English text of a key, filled in (a missing value is left as its placeholder, so it shows). */
export function englishProgress(key: ProgressKey, params: ProgressParams = {}): string {
  const entry: string | { one: string; other: string } = progressMessages[key];
  const template = typeof entry === 'string' ? entry : params.count === 1 ? entry.one : entry.other;
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** `progress({ fraction, ...progressText('people.lookingForPhotos') })`: the English message plus its note. */
export function progressText(key: ProgressKey, params?: ProgressParams): ProgressText {
  return { message: englishProgress(key, params), note: params ? { key, params } : { key } };
}
