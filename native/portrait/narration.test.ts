import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { melSpectrogram, readWav, speechSamples } from './audio';
import { locateEspeak, synthesizeNarration } from './narration';
import { missingTool } from '../testing/tools';

const espeakMissing = missingTool(locateEspeak() ?? 'espeak-ng', ['--version'], 'apt install espeak-ng');

const root = mkdtempSync(join(tmpdir(), 'likeness-narration-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('locating espeak-ng', () => {
  it('takes LIKENESS_ESPEAK, and finds nothing on an empty PATH', () => {
    expect(locateEspeak({ PATH: '' })).toBeUndefined();
    expect(locateEspeak({ LIKENESS_ESPEAK: join(root, 'missing'), PATH: '' })).toBeUndefined();
  });
});

// Machines without espeak-ng skip and say why (the recorded-voice path covers the rest); CI installs it and requires it.
describe.skipIf(espeakMissing)('typed narration (espeak-ng)', () => {
  for (const [language, text] of [
    ['en', 'This was my grandfather, in the summer of nineteen fifty two.'],
    ['zh', '这是我的爷爷，一九五二年的夏天。'],
  ] as const) {
    it(`speaks ${language === 'en' ? 'English' : 'Mandarin'} into a WAV the audio front end reads`, async () => {
      const file = join(root, `${language}.wav`);
      await synthesizeNarration(text, language, file);
      const audio = readWav(readFileSync(file));
      const samples = speechSamples(audio);
      expect(samples.length / 16000).toBeGreaterThan(1.5);
      // Speech, not silence: most mel frames sit well above the −4 floor.
      const mel = melSpectrogram(samples);
      let loud = 0;
      for (let t = 0; t < mel.frames; t++) if (mel.data[20 * mel.frames + t]! > -2) loud++;
      expect(loud / mel.frames).toBeGreaterThan(0.3);
    });
  }

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(synthesizeNarration('A long text. '.repeat(50), 'en', join(root, 'cancelled.wav'), controller.signal)).rejects.toThrow();
  });
});
