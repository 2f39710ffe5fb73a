import { describe, expect, it } from 'vitest';
import { translator } from '../../testing/translator';
import { jobTitle } from './job-title';

const jobs = [
  { kind: 'catalog.import', title: 'Import photos', input: { path: '/home/ada/photos/' } },
  { kind: 'generate', title: 'Generate 8 images (2 templates)', input: { request: { templates: ['a', 'b'], count: 4 } } },
  { kind: 'reels.render', title: 'Reel: Memories', input: { template: 'memories', quality: 'final' } },
  { kind: 'reels.render', title: 'Preview: Summer', input: { template: 'memories', title: 'Summer', quality: 'preview' } },
  {
    kind: 'portrait.process',
    title: 'Restore, colorize camera.png',
    input: { request: { source: { path: '/x/camera.png' }, restore: {}, colorize: {}, quality: 'final' } },
  },
  {
    kind: 'portrait.process',
    title: 'Preview: Animate output 3',
    input: { request: { source: { outputId: 3 }, animate: {}, upscale: { scale: 2 }, quality: 'preview' } },
  },
  {
    kind: 'portrait.process',
    title: 'Restore grandpa.jpg',
    input: { request: { source: { outputId: 4 }, restore: {}, quality: 'final' }, seed: 1, sourceName: 'grandpa.jpg' },
  },
  { kind: 'people.vet', title: 'Vet photos of Ada', input: { personId: 1, personName: 'Ada' } },
  { kind: 'people.export', title: 'Export Ada v1 (kohya) to set', input: { personName: 'Ada', version: 1, format: 'kohya' } },
  { kind: 'people.export', title: 'Export Ada (diffusers) to set', input: { personName: 'Ada', format: 'diffusers' } },
  { kind: 'models.download', title: 'Download SD-Turbo (ONNX)', input: { id: 'sd-turbo-onnx' } },
  { kind: 'models.verify', title: 'Check YuNet face detector', input: { id: 'yunet-n' } },
  { kind: 'review.export', title: 'Export picks to out', input: { outDir: '/tmp/out' } },
  { kind: 'catalog.emptyTrash', title: 'Empty the trash', input: {} },
  { kind: 'something.new', title: 'A job from the future', input: {} },
];

describe('job titles', () => {
  it('say what each kind of job does, in English and Simplified Chinese', async () => {
    const en = await translator('en');
    expect(jobs.map((job) => jobTitle(en, job))).toEqual([
      'Import photos',
      'Generate 8 images',
      'Reel: Memories',
      'Preview: Summer',
      'Restore, Colorize: camera.png',
      'Preview of Upscale ×2, Animate: image #3',
      'Restore: grandpa.jpg',
      'Vet photos of Ada',
      'Export Ada v1 (kohya)',
      'Export Ada’s latest version (diffusers)',
      'Download SD-Turbo (ONNX)',
      'Check YuNet-n face detector',
      'Export picks to out',
      'Empty the trash',
      'A job from the future',
    ]);
    const zh = await translator('zh-CN');
    expect(jobs.map((job) => jobTitle(zh, job))).toEqual([
      '导入 photos',
      '生成 8 张图片',
      '短视频：回忆',
      '预览：Summer',
      '修复、上色：camera.png',
      '预览放大 ×2、动画：图片 #3',
      '修复：grandpa.jpg',
      '筛选 Ada 的照片',
      '导出 Ada v1（kohya）',
      '导出 Ada 的最新版本（diffusers）',
      '下载 SD-Turbo (ONNX)',
      '检查 YuNet-n 人脸检测器',
      '导出已选用的图片到 out',
      '清空回收站',
      'A job from the future',
    ]);
  });
});
