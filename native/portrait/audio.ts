import { StudioError } from '../api/errors';

/**
 * The audio front end of lip sync: WAV decoding, mono mix, resampling to 16 kHz, and the mel spectrogram
 * Wav2Lip (and the EDTalk export that shares its audio encoder input) were trained on — Wav2Lip's
 * hparams.py and audio.py: pre-emphasis 0.97, librosa STFT (n_fft 800, hop 200, Hann window 800, centred
 * with reflect padding), Slaney-style mel filters (80 mels, 55–7600 Hz, area-normalised), amplitude in dB
 * minus a 20 dB reference with a −100 dB floor, scaled symmetrically into [−4, 4].
 */

export interface MelParameters {
  sampleRate: number;
  nFft: number;
  hop: number;
  window: number;
  mels: number;
  fmin: number;
  fmax: number;
  preemphasis: number;
  refLevelDb: number;
  minLevelDb: number;
  maxAbsValue: number;
}

export const wav2lipMel: MelParameters = {
  sampleRate: 16000,
  nFft: 800,
  hop: 200,
  window: 800,
  mels: 80,
  fmin: 55,
  fmax: 7600,
  preemphasis: 0.97,
  refLevelDb: 20,
  minLevelDb: -100,
  maxAbsValue: 4,
};

export interface DecodedAudio {
  sampleRate: number;
  /** One Float32Array per channel, in [−1, 1]. */
  channels: Float32Array[];
}

function invalidAudio(name: string, why: string): StudioError {
  return new StudioError('INVALID_INPUT', `${name} is not a WAV file Likeness can read: ${why}.`, 'Use a WAV, MP3, M4A, OGG or WebM recording.');
}

/** Whether the bytes start like a RIFF/WAVE file. */
export function isWav(bytes: Uint8Array): boolean {
  const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return bytes.length >= 12 && text(0) === 'RIFF' && text(8) === 'WAVE';
}

/** PCM (8/16/24/32-bit integer) and IEEE float (32/64-bit) WAV, including WAVE_FORMAT_EXTENSIBLE. */
export function readWav(bytes: Uint8Array, name = 'the recording'): DecodedAudio {
  if (!isWav(bytes)) throw invalidAudio(name, 'it has no RIFF/WAVE header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: { code: number; channels: number; sampleRate: number; bits: number } | undefined;
  let data: { start: number; length: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      let code = view.getUint16(body, true);
      if (code === 0xfffe && size >= 40) code = view.getUint16(body + 24, true); // the sub-format GUID's first two bytes
      format = { code, channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      // A streamed WAV may say 0 or 0xffffffff: take what is there.
      const length = size === 0 || size === 0xffffffff || body + size > bytes.length ? bytes.length - body : size;
      data = { start: body, length };
      break;
    }
    at = body + size + (size % 2);
  }
  if (!format) throw invalidAudio(name, 'it has no format chunk');
  if (!data) throw invalidAudio(name, 'it has no data chunk');
  const { code, channels, sampleRate, bits } = format;
  if (!channels || !sampleRate) throw invalidAudio(name, `it declares ${channels} channels at ${sampleRate} Hz`);
  const bytesPerSample = bits / 8;
  const isFloat = code === 3;
  if (!(code === 1 || isFloat) || ![8, 16, 24, 32, 64].includes(bits) || (isFloat && bits < 32) || (!isFloat && bits === 64)) {
    throw invalidAudio(name, `its encoding (format ${code}, ${bits}-bit) is not PCM or float`);
  }
  const frames = Math.floor(data.length / (bytesPerSample * channels));
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const at = data.start + (i * channels + c) * bytesPerSample;
      let v: number;
      if (isFloat) v = bits === 32 ? view.getFloat32(at, true) : view.getFloat64(at, true);
      else if (bits === 8) v = (view.getUint8(at) - 128) / 128;
      else if (bits === 16) v = view.getInt16(at, true) / 32768;
      else if (bits === 24) v = ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) >> 0) / 8388608;
      else v = view.getInt32(at, true) / 2147483648;
      out[c]![i] = v;
    }
  }
  return { sampleRate, channels: out };
}

/** 16-bit PCM WAV bytes (for tests and for handing mono speech to ffmpeg). */
export function writeWav(samples: Float32Array, sampleRate: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const put = (at: number, text: string) => [...text].forEach((ch, i) => (bytes[at + i] = ch.charCodeAt(0)));
  put(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), true);
  return bytes;
}

export function mixToMono(audio: DecodedAudio): Float32Array {
  const [first, ...rest] = audio.channels;
  if (!first) return new Float32Array(0);
  if (!rest.length) return first;
  const out = new Float32Array(first.length);
  for (const channel of audio.channels) for (let i = 0; i < out.length; i++) out[i]! += channel[i]! / audio.channels.length;
  return out;
}

/**
 * Band-limited resampling (windowed sinc, Blackman window, 24 zero crossings each side): the cutoff sits
 * at the lower of the two Nyquist frequencies, so going down to 16 kHz removes what 16 kHz cannot hold
 * instead of folding it back as noise.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  const ratio = toRate / fromRate;
  const length = Math.floor(samples.length * ratio);
  const out = new Float32Array(length);
  const cutoff = Math.min(1, ratio) * 0.97; // a little below Nyquist: the window's transition band
  const zeros = 24;
  const halfWidth = zeros / cutoff; // in input samples
  for (let n = 0; n < length; n++) {
    const centre = n / ratio;
    const first = Math.max(0, Math.ceil(centre - halfWidth));
    const last = Math.min(samples.length - 1, Math.floor(centre + halfWidth));
    let sum = 0;
    for (let k = first; k <= last; k++) {
      const t = (k - centre) * cutoff;
      const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
      const w = (k - centre) / halfWidth; // −1 … 1
      const window = 0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w);
      sum += samples[k]! * sinc * window;
    }
    out[n] = sum * cutoff;
  }
  return out;
}

/** Mono, 16 kHz: what the mel front end reads. */
export function speechSamples(audio: DecodedAudio, rate = wav2lipMel.sampleRate): Float32Array {
  return resample(mixToMono(audio), audio.sampleRate, rate);
}

// ---------- FFT (mixed radix, for n_fft = 800 = 2⁵·5²) ----------

function factorize(n: number): number[] {
  const factors: number[] = [];
  for (const p of [4, 2, 3, 5]) {
    while (n % p === 0 && (p !== 4 || n % 4 === 0)) {
      factors.push(p);
      n /= p;
    }
  }
  for (let p = 7; n > 1; p += 2) {
    while (n % p === 0) {
      factors.push(p);
      n /= p;
    }
  }
  return factors;
}

/** Recursive decimation-in-time FFT of any length (radix 2, 3, 4, 5 and generic odd radices). */
export class Fft {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly factors: number[];

  constructor(readonly size: number) {
    this.cos = new Float64Array(size);
    this.sin = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      this.cos[k] = Math.cos((-2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.factors = factorize(size);
  }

  /** In place on (re, im). */
  transform(re: Float64Array, im: Float64Array): void {
    const outRe = new Float64Array(this.size);
    const outIm = new Float64Array(this.size);
    this.step(re, im, 0, 1, outRe, outIm, 0, this.size, 0);
    re.set(outRe);
    im.set(outIm);
  }

  private step(
    re: Float64Array,
    im: Float64Array,
    offset: number,
    stride: number,
    outRe: Float64Array,
    outIm: Float64Array,
    outOffset: number,
    n: number,
    depth: number,
  ): void {
    if (n === 1) {
      outRe[outOffset] = re[offset]!;
      outIm[outOffset] = im[offset]!;
      return;
    }
    const p = this.factors[depth]!;
    const m = n / p;
    // Sub-transforms of the p interleaved sequences, stored one after another.
    for (let r = 0; r < p; r++) this.step(re, im, offset + r * stride, stride * p, outRe, outIm, outOffset + r * m, m, depth + 1);
    const twiddleStep = this.size / n;
    const tRe = new Float64Array(p);
    const tIm = new Float64Array(p);
    for (let k = 0; k < m; k++) {
      for (let r = 0; r < p; r++) {
        const i = outOffset + r * m + k;
        const w = (r * k * twiddleStep) % this.size;
        tRe[r] = outRe[i]! * this.cos[w]! - outIm[i]! * this.sin[w]!;
        tIm[r] = outRe[i]! * this.sin[w]! + outIm[i]! * this.cos[w]!;
      }
      for (let q = 0; q < p; q++) {
        let sRe = 0;
        let sIm = 0;
        for (let r = 0; r < p; r++) {
          const w = (((r * q * m) % n) * twiddleStep) % this.size;
          sRe += tRe[r]! * this.cos[w]! - tIm[r]! * this.sin[w]!;
          sIm += tRe[r]! * this.sin[w]! + tIm[r]! * this.cos[w]!;
        }
        outRe[outOffset + q * m + k] = sRe;
        outIm[outOffset + q * m + k] = sIm;
      }
    }
  }
}

// ---------- mel spectrogram ----------

/** librosa's default (Slaney) mel scale: linear below 1 kHz, logarithmic above. */
export function hzToMel(hz: number): number {
  const linear = hz / (200 / 3);
  return hz >= 1000 ? 15 + Math.log(hz / 1000) / (Math.log(6.4) / 27) : linear;
}

export function melToHz(mel: number): number {
  return mel >= 15 ? 1000 * Math.exp((Math.log(6.4) / 27) * (mel - 15)) : (200 / 3) * mel;
}

/** librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with htk=False and Slaney area normalisation: [mels][bins]. */
export function melFilterBank(p: MelParameters): Float64Array[] {
  const bins = Math.floor(p.nFft / 2) + 1;
  const lo = hzToMel(p.fmin);
  const hi = hzToMel(p.fmax);
  const edges = Array.from({ length: p.mels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (p.mels + 1)));
  const bank: Float64Array[] = [];
  for (let m = 0; m < p.mels; m++) {
    const row = new Float64Array(bins);
    const [left, centre, right] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const norm = 2 / (right - left);
    for (let k = 0; k < bins; k++) {
      const f = (k * p.sampleRate) / 2 / (bins - 1);
      const rising = (f - left) / (centre - left);
      const falling = (right - f) / (right - centre);
      row[k] = Math.max(0, Math.min(rising, falling)) * norm;
    }
    bank.push(row);
  }
  return bank;
}

/** A periodic Hann window (scipy.signal.get_window('hann', n, fftbins=True), what librosa uses). */
export function hannWindow(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

function reflect(index: number, length: number): number {
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  let r = ((index % period) + period) % period;
  if (r >= length) r = period - r;
  return r;
}

export interface MelSpectrogram {
  mels: number;
  frames: number;
  /** Row-major [mels][frames] (the layout Wav2Lip slices 16-frame windows from). */
  data: Float32Array;
}

/** Wav2Lip's `melspectrogram(wav)`: mono samples at p.sampleRate → normalised log-mel [mels × frames]. */
export function melSpectrogram(samples: Float32Array, p: MelParameters = wav2lipMel): MelSpectrogram {
  if (p.window !== p.nFft) throw new Error('a window shorter than n_fft is not needed here');
  const emphasised = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) emphasised[i] = samples[i]! - (i ? p.preemphasis * samples[i - 1]! : 0);
  const pad = Math.floor(p.nFft / 2);
  const frames = 1 + Math.floor(samples.length / p.hop);
  const bins = Math.floor(p.nFft / 2) + 1;
  const bank = melFilterBank(p);
  const window = hannWindow(p.window);
  const fft = new Fft(p.nFft);
  const re = new Float64Array(p.nFft);
  const im = new Float64Array(p.nFft);
  const magnitude = new Float64Array(bins);
  const out = new Float32Array(p.mels * frames);
  const floor = 10 ** (p.minLevelDb / 20);
  const empty = samples.length === 0;
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < p.nFft; i++) {
      const at = t * p.hop + i - pad;
      re[i] = empty ? 0 : emphasised[reflect(at, emphasised.length)]! * window[i]!;
      im[i] = 0;
    }
    fft.transform(re, im);
    for (let k = 0; k < bins; k++) magnitude[k] = Math.hypot(re[k]!, im[k]!);
    for (let m = 0; m < p.mels; m++) {
      const row = bank[m]!;
      let energy = 0;
      for (let k = 0; k < bins; k++) energy += row[k]! * magnitude[k]!;
      const db = 20 * Math.log10(Math.max(floor, energy)) - p.refLevelDb;
      const scaled = 2 * p.maxAbsValue * ((db - p.minLevelDb) / -p.minLevelDb) - p.maxAbsValue;
      out[m * frames + t] = Math.min(p.maxAbsValue, Math.max(-p.maxAbsValue, scaled));
    }
  }
  return { mels: p.mels, frames, data: out };
}

/** Mel frames per second (80 at Wav2Lip's 16 kHz / hop 200). */
export function melFramesPerSecond(p: MelParameters = wav2lipMel): number {
  return p.sampleRate / p.hop;
}

/**
 * The 16-frame mel window (0.2 s) for each video frame, as Wav2Lip's inference.py cuts them: frame i starts at
 * int(i × 80 / fps); a window that would run past the end is the last 16 frames. Each is [mels × 16], row-major.
 */
export function melWindows(mel: MelSpectrogram, fps: number, count: number, width = 16, p: MelParameters = wav2lipMel): Float32Array[] {
  const perFrame = melFramesPerSecond(p) / fps;
  const windows: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    let start = Math.floor(i * perFrame);
    if (start + width > mel.frames) start = Math.max(0, mel.frames - width);
    const window = new Float32Array(mel.mels * width).fill(-p.maxAbsValue);
    for (let m = 0; m < mel.mels; m++) {
      for (let j = 0; j < width && start + j < mel.frames; j++) window[m * width + j] = mel.data[m * mel.frames + start + j]!;
    }
    windows.push(window);
  }
  return windows;
}
