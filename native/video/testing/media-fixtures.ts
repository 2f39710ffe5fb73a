import { execFile } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { locateFfmpeg, type FfmpegLocation } from '../ffmpeg';

const run = promisify(execFile);

/**
 * A stand-in for a voice made by ffmpeg alone (CI machines may lack espeak-ng): a harmonic tone around
 * 150 Hz with a wandering pitch, amplitude-modulated at a syllable rate, with pauses between phrases.
 */
export async function makeVoice(ffmpeg: string, file: string, seconds: number, options: { pitchHz?: number; gain?: number } = {}): Promise<void> {
  const base = options.pitchHz ?? 150;
  const pitch = `${base}+${base / 6}*sin(2*PI*0.7*t)`;
  const tone = `(sin(2*PI*(${pitch})*t)+0.5*sin(4*PI*(${pitch})*t)+0.3*sin(6*PI*(${pitch})*t)+0.15*sin(10*PI*(${pitch})*t))`;
  const syllables = 'pow(sin(2*PI*3.7*t),2)';
  const phrases = 'gt(mod(t,2.3),0.35)';
  await writeSynthesizedWav(ffmpeg, file, `aevalsrc='${options.gain ?? 0.3}*${tone}*${syllables}*${phrases}':s=48000:d=${seconds}`);
}

/** A stand-in for music: a soft A-minor chord with a beat, stereo, quieter than the voice. */
export async function makeMusic(ffmpeg: string, file: string, seconds: number): Promise<void> {
  const chord = '0.12*sin(2*PI*220*t)+0.1*sin(2*PI*261.63*t)+0.1*sin(2*PI*329.63*t)';
  const beat = '(0.6+0.4*exp(-8*mod(t,0.5)))';
  await writeSynthesizedWav(ffmpeg, file, `aevalsrc='(${chord})*${beat}|(${chord})*${beat}*0.9':s=44100:d=${seconds}`);
}

/** Renders an ffmpeg audio source filter (lavfi) into a 16-bit WAV. */
async function writeSynthesizedWav(ffmpeg: string, file: string, source: string): Promise<void> {
  await run(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-c:a', 'pcm_s16le', file]);
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  nb_frames?: string;
  bit_rate?: string;
  color_space?: string;
  color_primaries?: string;
  color_transfer?: string;
  color_range?: string;
}

export interface Probe {
  streams: ProbedStream[];
  format: { duration: string; format_name: string; tags?: Record<string, string> };
}

export async function ffprobe(ffprobePath: string, file: string): Promise<Probe> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as Probe;
}

/** The top-level boxes of an MP4 file in order (ftyp, moov, mdat, …): `moov` before `mdat` means fast start. */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const boxes: string[] = [];
    const header = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= size) {
      await handle.read(header, 0, 16, offset);
      let length = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (length === 1) length = Number(header.readBigUInt64BE(8));
      else if (length === 0) length = size - offset;
      boxes.push(type);
      if (length < 8) break;
      offset += length;
    }
    return boxes;
  } finally {
    await handle.close();
  }
}

/** The box types inside an MP4's `moov` (tracks, edit lists `edts`/`elst`, sample tables …), depth first. */
export async function movieBoxes(file: string): Promise<string[]> {
  const data = await readFile(file);
  const containers = new Set(['moov', 'trak', 'edts', 'mdia', 'minf', 'stbl', 'dinf']);
  const found: string[] = [];
  const walk = (start: number, end: number, inside: boolean) => {
    let offset = start;
    while (offset + 8 <= end) {
      let length = data.readUInt32BE(offset);
      const type = data.toString('latin1', offset + 4, offset + 8);
      let header = 8;
      if (length === 1) {
        length = Number(data.readBigUInt64BE(offset + 8));
        header = 16;
      } else if (length === 0) length = end - offset;
      if (length < header) break;
      if (inside) found.push(type);
      if (containers.has(type)) walk(offset + header, Math.min(end, offset + length), true);
      offset += length;
    }
  };
  walk(0, data.length, false);
  return found;
}

/** The ffmpeg the tests use, or the reason they skip (a failure under CI=true, where ffmpeg is installed). */
export function testFfmpeg(): { location: FfmpegLocation | undefined; missing: string | undefined } {
  const location = locateFfmpeg();
  if (location?.ffprobe) return { location, missing: undefined };
  const reason = location ? `ffprobe was not found beside ${location.path}` : 'ffmpeg is not installed (apt install ffmpeg)';
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${reason}; CI requires it`);
  return { location: undefined, missing: reason };
}
