#!/usr/bin/env node
// A stand-in for kohya sd-scripts' train_network.py in tests: reads the dataset the way sd-scripts does
// (`<repeats>_<trigger> <class>/` folders of images with .txt captions), prints progress as its tqdm bar
// does (redrawn with \r), and saves a real .safetensors file. Options: --train_data_dir --output_dir
// --output_name --max_train_steps, and for tests --step_ms (delay per step) and --fail_at (exit 1 there).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const options = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [key, ...value] = a.slice(2).split('=');
      return [key, value.join('=')];
    }),
);
const dataDir = options.train_data_dir;
const outputDir = options.output_dir;
const outputName = options.output_name ?? 'last';
const steps = Number(options.max_train_steps ?? 10);
const stepMs = Number(options.step_ms ?? 0);
const failAt = options.fail_at === undefined ? -1 : Number(options.fail_at);

writeFileSync(join(outputDir, 'trainer.pid'), String(process.pid));
let images = 0;
let repeats = 0;
for (const dir of readdirSync(dataDir, { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  const match = /^(\d+)_(.+)$/.exec(dir.name);
  if (!match) {
    console.log(`ignore directory without repeats: ${dir.name}`);
    continue;
  }
  repeats = Number(match[1]);
  for (const file of readdirSync(join(dataDir, dir.name))) {
    if (!file.endsWith('.png')) continue;
    const caption = readFileSync(join(dataDir, dir.name, file.replace(/\.png$/, '.txt')), 'utf8').trim();
    if (!caption) throw new Error(`no caption for ${file}`);
    images++;
  }
}
console.log(`found directory ${dataDir} contains ${images} image files`);
console.log(`${images * repeats} train images with repeating.`);
console.log('running training / 学習開始');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
for (let step = 1; step <= steps; step++) {
  if (step === failAt) {
    process.stdout.write('\n');
    console.error('RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB');
    process.exit(1);
  }
  if (stepMs) await sleep(stepMs);
  const percent = Math.floor((step / steps) * 100);
  const loss = (0.12 - step * 0.001).toFixed(4);
  process.stdout.write(
    `\rsteps: ${String(percent).padStart(3)}%|${'█'.repeat(Math.floor(percent / 10)).padEnd(10)}| ${step}/${steps} [00:0${step % 10}<00:01, 5.46it/s, avr_loss=${loss}]`,
  );
}
process.stdout.write('\n');

// safetensors: u64 little-endian header length, JSON header, tensor bytes.
const tensor = Buffer.alloc(16);
const header = Buffer.from(
  JSON.stringify({
    __metadata__: { ss_num_train_images: String(images * repeats), ss_output_name: outputName },
    'lora_unet_down_blocks_0.alpha': { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
  }),
);
const length = Buffer.alloc(8);
length.writeBigUInt64LE(BigInt(header.length));
writeFileSync(join(outputDir, `${outputName}.safetensors`), Buffer.concat([length, header, tensor]));
console.log(`model saved: ${join(outputDir, `${outputName}.safetensors`)}`);
