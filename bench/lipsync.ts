// bench/lipsync: what lip sync costs a frame outside its models — finding the face in the animated crop, aligning
// it, the masks, resizing, tensor ↔ image and the paste-back — for each lip-sync model's real I/O (the test
// suite's tiny models), on a real face (the shared astronaut photo, aligned as an animated frame is).
//   npx tsx bench/lipsync.ts [--frames 20]
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { RgbImage } from '../native/inference/image-tensor';
import { faceDetectorFromFile } from '../native/inference/face-detector';
import { openSession } from '../native/inference/session';
import { alignFace } from '../native/portrait/faces';
import { createLipSyncer } from '../native/portrait/lipsync';
import { tinyModelFiles } from '../native/portrait/testing/tiny-models';
import { sharedFile } from '../native/testing/shared-data';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '20' } } });
const frames = Number(values.frames);
const photos = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');
if (photos.missing || yunet.missing) {
  console.log(`bench/lipsync skipped: ${photos.missing ?? yunet.missing}`);
  process.exit(0);
}
console.log(`bench/lipsync — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, ${frames} frames a model`);

const { data, info } = await sharp(readFileSync(join(photos.path, 'astronaut.png')))
  .removeAlpha()
  .raw()
  .toBuffer({ resolveWithObject: true });
const photo: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height };
const detector = await faceDetectorFromFile(yunet.path);
const [face] = await detector.detect(photo);
if (!face) throw new Error('no face in astronaut.png');
// The animated frame the syncer receives: the face aligned into a 512 crop.
const crop = alignFace(photo, face.landmarks, 512).crop;

let detectMs = 0;
const timedDetector = {
  ...detector,
  detect: async (image: RgbImage) => {
    const started = performance.now();
    try {
      return await detector.detect(image);
    } finally {
      detectMs += performance.now() - started;
    }
  },
};

console.log('\nmodel            ms/frame   lip-sync model   face detector   outside the models');
for (const [id, files] of Object.entries(tinyModelFiles).filter(([id]) => id === 'edtalk-256' || id === 'wav2lip-gan-96')) {
  const session = await openSession(Object.values(files)[0]!(), { model: id, provider: 'cpu' });
  let runMs = 0;
  const timed = {
    ...session,
    run: async (...args: Parameters<typeof session.run>) => {
      const started = performance.now();
      try {
        return await session.run(...args);
      } finally {
        runMs += performance.now() - started;
      }
    },
  };
  const syncer = createLipSyncer(timed, id, timedDetector, { weight: 1 });
  const window = new Float32Array(80 * 16).fill(-1);
  await syncer.apply(crop, window);
  runMs = 0;
  detectMs = 0;
  const started = performance.now();
  for (let i = 0; i < frames; i++) await syncer.apply(crop, window);
  const total = (performance.now() - started) / frames;
  const model = runMs / frames;
  const detecting = detectMs / frames;
  console.log(
    `${id.padEnd(15)} ${total.toFixed(1).padStart(9)} ${model.toFixed(1).padStart(16)} ${detecting.toFixed(1).padStart(15)} ${(total - model - detecting).toFixed(1).padStart(20)}`,
  );
  await session.release();
}
