import { describe, expect, it } from 'vitest';
import {
  Fft,
  hzToMel,
  melFilterBank,
  melSpectrogram,
  melToHz,
  melWindows,
  mixToMono,
  readWav,
  resample,
  speechSamples,
  wav2lipMel,
  writeWav,
} from './audio';

const tone = (hz: number, rate: number, seconds: number, amplitude = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

function rms(values: ArrayLike<number>, from = 0, to = values.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i]! ** 2;
  return Math.sqrt(sum / (to - from));
}

describe('WAV', () => {
  it('round-trips 16-bit PCM', () => {
    const samples = tone(440, 8000, 0.05);
    const decoded = readWav(writeWav(samples, 8000));
    expect(decoded.sampleRate).toBe(8000);
    expect(decoded.channels).toHaveLength(1);
    decoded.channels[0]!.forEach((v, i) => expect(v).toBeCloseTo(samples[i]!, 3));
  });

  it('reads 24-bit stereo and 32-bit float (WAVE_FORMAT_EXTENSIBLE), and mixes to mono', () => {
    const header = (code: number, channels: number, bits: number, dataBytes: number, extensible: boolean) => {
      const fmtSize = extensible ? 40 : 16;
      const bytes = new Uint8Array(12 + 8 + fmtSize + 8 + dataBytes);
      const view = new DataView(bytes.buffer);
      const put = (at: number, s: string) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
      put(0, 'RIFF');
      view.setUint32(4, bytes.length - 8, true);
      put(8, 'WAVE');
      put(12, 'fmt ');
      view.setUint32(16, fmtSize, true);
      view.setUint16(20, extensible ? 0xfffe : code, true);
      view.setUint16(22, channels, true);
      view.setUint32(24, 48000, true);
      view.setUint16(34, bits, true);
      if (extensible) view.setUint16(20 + 24, code, true); // the sub-format GUID starts 24 bytes into the fmt body
      put(20 + fmtSize, 'data');
      view.setUint32(24 + fmtSize, dataBytes, true);
      return { bytes, view, data: 28 + fmtSize };
    };
    const pcm = header(1, 2, 24, 6, false);
    // left = +0.5 (0x400000), right = −0.25 (0xE00000)
    pcm.bytes.set([0x00, 0x00, 0x40, 0x00, 0x00, 0xe0], pcm.data);
    const stereo = readWav(pcm.bytes);
    expect([stereo.channels[0]![0], stereo.channels[1]![0]]).toEqual([0.5, -0.25]);
    expect(mixToMono(stereo)[0]).toBeCloseTo(0.125);

    const float = header(3, 1, 32, 8, true);
    float.view.setFloat32(float.data, -0.75, true);
    float.view.setFloat32(float.data + 4, 0.125, true);
    expect(Array.from(readWav(float.bytes).channels[0]!)).toEqual([-0.75, 0.125]);
  });

  it('refuses what is not a WAV file, saying so', () => {
    expect(() => readWav(new TextEncoder().encode('ID3 an mp3 file'), 'voice.mp3')).toThrow(/voice\.mp3 is not a WAV file/);
  });
});

describe('resampling to 16 kHz', () => {
  it('keeps a 1 kHz tone (48 kHz → 16 kHz and 22.05 kHz → 16 kHz)', () => {
    for (const from of [48000, 22050]) {
      const out = resample(tone(1000, from, 0.5), from, 16000);
      expect(out.length).toBe(Math.floor(from * 0.5 * (16000 / from)));
      const ideal = tone(1000, 16000, 0.5);
      let worst = 0;
      for (let i = 200; i < out.length - 200; i++) worst = Math.max(worst, Math.abs(out[i]! - ideal[i]!));
      expect(worst).toBeLessThan(5e-3);
    }
  });

  it('removes a 10 kHz tone that 16 kHz cannot hold instead of folding it down to 6 kHz', () => {
    const out = resample(tone(10000, 48000, 0.5), 48000, 16000);
    const level = rms(out, 200, out.length - 200) / (0.5 / Math.SQRT2);
    expect(20 * Math.log10(level)).toBeLessThan(-40);
  });

  it('mixes to mono first', () => {
    const left = tone(500, 32000, 0.1);
    const out = speechSamples({ sampleRate: 32000, channels: [left, new Float32Array(left.length)] });
    expect(rms(out, 100, out.length - 100)).toBeCloseTo(rms(left) / 2, 2);
  });
});

describe('FFT', () => {
  it('matches a naive DFT at n_fft = 800', () => {
    const n = 800;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13 - 0.5);
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    new Fft(n).transform(re, im);
    for (const k of [0, 1, 7, 100, 399, 400, 401, 799]) {
      let r = 0;
      let i = 0;
      for (let t = 0; t < n; t++) {
        r += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
        i += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(r, 8);
      expect(im[k]).toBeCloseTo(i, 8);
    }
  });
});

/**
 * The reference, written independently from the published formulas: librosa's Slaney mel scale (f_sp = 200/3,
 * 1 kHz break, log step ln(6.4)/27), `ramps` and `fdiff` as librosa.filters.mel builds them, a naive DFT of each
 * centred, reflect-padded, Hann-windowed frame of the pre-emphasised signal, then Wav2Lip's _amp_to_db and
 * symmetric _normalize.
 */
function referenceMel(wav: Float32Array, frame: number): number[] {
  const { sampleRate: sr, nFft, hop, mels, fmin, fmax } = wav2lipMel;
  const fSp = 200 / 3;
  const logStep = Math.log(6.4) / 27;
  const toMel = (f: number) => (f < 1000 ? f / fSp : 1000 / fSp + Math.log(f / 1000) / logStep);
  const toHz = (m: number) => (m < 1000 / fSp ? m * fSp : 1000 * Math.exp(logStep * (m - 1000 / fSp)));
  const melF: number[] = [];
  for (let i = 0; i < mels + 2; i++) melF.push(toHz(toMel(fmin) + (i * (toMel(fmax) - toMel(fmin))) / (mels + 1)));
  const fftFreqs = Array.from({ length: nFft / 2 + 1 }, (_, k) => (k * (sr / 2)) / (nFft / 2));
  const fdiff = melF.slice(1).map((f, i) => f - melF[i]!);
  const weights = Array.from({ length: mels }, (_, i) =>
    fftFreqs.map((f) => {
      const lower = -(melF[i]! - f) / fdiff[i]!;
      const upper = (melF[i + 2]! - f) / fdiff[i + 1]!;
      return Math.max(0, Math.min(lower, upper)) * (2 / (melF[i + 2]! - melF[i]!));
    }),
  );
  const y = Array.from(wav, (v, i) => v - (i > 0 ? 0.97 * wav[i - 1]! : 0));
  const padded = (j: number) => {
    const at = j - nFft / 2;
    const index = at < 0 ? -at : at >= y.length ? 2 * (y.length - 1) - at : at;
    return y[index]!;
  };
  const spectrum = fftFreqs.map((_, k) => {
    let re = 0;
    let im = 0;
    for (let t = 0; t < nFft; t++) {
      const v = padded(frame * hop + t) * (0.5 - 0.5 * Math.cos((2 * Math.PI * t) / nFft));
      re += v * Math.cos((2 * Math.PI * k * t) / nFft);
      im -= v * Math.sin((2 * Math.PI * k * t) / nFft);
    }
    return Math.sqrt(re * re + im * im);
  });
  return weights.map((row) => {
    const energy = row.reduce((s, w, k) => s + w * spectrum[k]!, 0);
    const db = 20 * Math.log10(Math.max(1e-5, energy)) - 20;
    return Math.min(4, Math.max(-4, 8 * ((db + 100) / 100) - 4));
  });
}

describe('Wav2Lip mel spectrogram', () => {
  // A voice-like signal: a few harmonics with a slow vibrato and a little noise, 0.3 s at 16 kHz.
  const speechLike = Float32Array.from({ length: 4800 }, (_, i) => {
    const t = i / 16000;
    const f0 = 140 + 10 * Math.sin(2 * Math.PI * 3 * t);
    return (
      0.3 * Math.sin(2 * Math.PI * f0 * t) +
      0.15 * Math.sin(4 * Math.PI * f0 * t) +
      0.05 * Math.sin(2 * Math.PI * 2300 * t) +
      0.01 * Math.sin(i * 12.9898)
    );
  });

  it('matches the reference computed from the published parameters, frame by frame', () => {
    const mel = melSpectrogram(speechLike);
    expect(mel.mels).toBe(80);
    expect(mel.frames).toBe(1 + Math.floor(4800 / 200));
    for (const frame of [0, 1, 12, mel.frames - 1]) {
      const expected = referenceMel(speechLike, frame);
      expected.forEach((v, m) => expect(mel.data[m * mel.frames + frame]).toBeCloseTo(v, 4));
    }
  });

  it('uses librosa’s Slaney mel scale and area-normalised triangles between 55 and 7600 Hz', () => {
    expect(melToHz(hzToMel(55))).toBeCloseTo(55, 9);
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(melToHz(hzToMel(7600))).toBeCloseTo(7600, 9);
    const bank = melFilterBank(wav2lipMel);
    expect(bank).toHaveLength(80);
    expect(bank[0]).toHaveLength(401);
    // Each triangle integrates to 1 over frequency (norm = 2 / bandwidth), measured on the 20 Hz bin grid.
    const binHz = 8000 / 400;
    for (const m of [40, 60, 79]) expect(bank[m]!.reduce((s, w) => s + w * binHz, 0)).toBeCloseTo(1, 1);
    // Nothing below fmin or above fmax.
    expect(bank.every((row) => row[0] === 0 && row[400] === 0)).toBe(true);
  });

  it('puts a 1 kHz tone in the band around 1 kHz, and silence at −4', () => {
    const mel = melSpectrogram(tone(1000, 16000, 0.2, 0.5));
    const frame = 5;
    const column = Array.from({ length: 80 }, (_, m) => mel.data[m * mel.frames + frame]!);
    const loudest = column.indexOf(Math.max(...column));
    const edges = Array.from({ length: 82 }, (_, i) => melToHz(hzToMel(55) + ((hzToMel(7600) - hzToMel(55)) * i) / 81));
    expect(edges[loudest]).toBeLessThan(1000);
    expect(edges[loudest + 2]).toBeGreaterThan(1000);
    const silent = melSpectrogram(new Float32Array(1600));
    expect(Array.from(silent.data).every((v) => v === -4)).toBe(true);
  });

  it('cuts one 16-frame window per video frame as Wav2Lip does, the last ones clamped to the end', () => {
    const mel = melSpectrogram(new Float32Array(16000)); // 1 s → 81 mel frames
    for (let m = 0; m < 80; m++) for (let t = 0; t < mel.frames; t++) mel.data[m * mel.frames + t] = t;
    const windows = melWindows(mel, 25, 25);
    expect(windows).toHaveLength(25);
    expect(windows[0]![0]).toBe(0);
    expect(windows[1]![0]).toBe(3); // int(1 × 80 / 25) = 3
    expect(windows[10]![0]).toBe(32);
    expect(windows[24]![0]).toBe(81 - 16); // int(24 × 3.2) = 76 would run past the end
    expect(windows[24]![15]).toBe(80);
  });
});
