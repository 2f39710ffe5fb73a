import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputExportResult } from '../api/namespaces/review';
import type { OutputSummary } from '../api/schemas';
import { createStudio, type Studio } from '../studio/studio';
import { EXPORT_MANIFEST, exportOutputs, safeStem } from './export-job';
import { extractProvenance } from './provenance';
import { readExifText } from './provenance/exif';
import { a1111Parameters, comfyGraph, writeToolSamples } from './provenance/testing/samples';
import { missingTool } from '../testing/tools';

const exiftoolMissing = missingTool('exiftool', ['-ver'], 'apt install libimage-exiftool-perl');
const exiftool = (...args: string[]) =>
  JSON.parse(execFileSync('exiftool', ['-j', '-G1', '-n', ...args], { encoding: 'utf8' })) as Record<string, unknown>[];

let root: string;
let studio: Studio;
let names: Awaited<ReturnType<typeof writeToolSamples>>;
let byName: Map<string, OutputSummary>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'likeness-export-'));
  const source = join(root, 'incoming');
  mkdirSync(source);
  names = await writeToolSamples(source);
  studio = await createStudio({ library: join(root, 'library') });
  await studio.jobs.waitFor((await studio.api.catalog.import({ path: source })).id);
  byName = new Map((await studio.api.catalog.listOutputs({ limit: 100 })).items.map((o) => [o.originalName!, o]));
});
afterAll(async () => {
  await studio?.close();
  rmSync(root, { recursive: true, force: true });
});

const id = (name: string) => byName.get(name)!.id;
const xmpOf = (file: string) => readFileSync(file.replace(/\.[^.]+$/, '.xmp'), 'utf8');

describe('outputs imported from other tools', () => {
  it('keep their generation metadata and can be filtered and searched by it', async () => {
    const ids = async (filter: Record<string, unknown>) =>
      (await studio.api.catalog.outputIds(filter)).ids.map((i) => studio.catalog.outputs.get(i).originalName).sort();
    expect(await ids({ generator: 'comfyui' })).toEqual([names.comfyui]);
    expect(await ids({ model: 'juggernautXL_v9' })).toEqual([names.a1111]);
    expect(await ids({ lora: 'ohwx_woman.safetensors' })).toEqual([names.comfyui]);
    expect(await ids({ lora: 'detail-tweaker' })).toEqual([names.invokeai]);
    expect(await ids({ text: 'lighthouse' })).toEqual([names.invokeai]);
    expect(await ids({ text: 'fox snow' })).toEqual([names.a1111Jpeg]);
    expect(await ids({ text: 'ohwx' })).toEqual([names.a1111, names.comfyui, names.fooocus].sort());
    expect(await ids({ text: 'juggernautXL' })).toEqual([names.a1111, names.fooocus].sort());
    const facets = await studio.api.catalog.facets();
    expect(facets.generators.map((g) => g.value).sort()).toEqual(['a1111', 'comfyui', 'fooocus', 'invokeai']);
  });
});

describe('exporting picks', () => {
  let result: OutputExportResult;
  let out: string;

  beforeAll(async () => {
    await studio.api.review.set({ ids: [id(names.a1111), id(names.comfyui)], flag: 'pick', stars: 4, label: 'green' });
    await studio.api.review.set({ ids: [id(names.a1111Jpeg)], flag: 'pick', stars: 5, addTags: ['fox', '狐狸'], note: 'cover <image> & "print"' });
    await studio.api.review.set({ ids: [id(names.plain)], flag: 'reject' });
    out = join(root, 'picks');
    const job = await studio.api.review.export({ outDir: out, xmp: true, contactSheet: true });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.status).toBe('done');
    result = done.result as OutputExportResult;
  });

  it('copies the picks (only) as they are stored, with an XMP sidecar each and a contact sheet', () => {
    expect(result).toMatchObject({ exported: 3, sidecars: 3, failed: [] });
    expect(readdirSync(out).sort()).toEqual(
      [
        'a1111-fox.jpg',
        'a1111-fox.xmp',
        'a1111-fox.jpg.xmp',
        'a1111-portrait.png',
        'a1111-portrait.xmp',
        'a1111-portrait.png.xmp',
        'ComfyUI_00042_.png',
        'ComfyUI_00042_.xmp',
        'ComfyUI_00042_.png.xmp',
        'contact-sheet.jpg',
        '.likeness-export.jsonl',
      ].sort(),
    );
    expect(result.contactSheets).toEqual([join(out, 'contact-sheet.jpg')]);
  });

  it('writes sidecars with the rating, label, pick, keywords and note that Lightroom and digiKam read', () => {
    const jpegXmp = xmpOf(join(out, 'a1111-fox.jpg'));
    expect(jpegXmp).toMatch(/xmp:Rating="5"/);
    expect(jpegXmp).toMatch(/digiKam:PickLabel="3"/);
    expect(jpegXmp).toMatch(/<dc:subject><rdf:Bag><rdf:li>fox<\/rdf:li><rdf:li>狐狸<\/rdf:li><\/rdf:Bag><\/dc:subject>/);
    expect(jpegXmp).toContain('cover &lt;image&gt; &amp; &quot;print&quot;');
    expect(jpegXmp).toContain('a red fox in the snow');
    const pngXmp = xmpOf(join(out, 'a1111-portrait.png'));
    expect(pngXmp).toMatch(/xmp:Rating="4"/);
    expect(pngXmp).toMatch(/xmp:Label="Green"/);
    expect(pngXmp).toMatch(/digiKam:ColorLabel="4"/);
  });

  // Read back by exiftool, not by Likeness's own parser, in the fields each tool itself reads: AUTOMATIC1111 the PNG
  // "parameters" text chunk and, for JPEG, EXIF UserComment (modules/images.py, read_info_from_image); ComfyUI the
  // PNG "prompt" and "workflow" chunks as JSON (web/scripts/pnginfo.js, getPngMetadata).
  it.skipIf(exiftoolMissing)('keeps each tool’s own metadata in the copies, verbatim, where that tool reads it (exiftool)', () => {
    const [a1111] = exiftool('-PNG:Parameters', '-XMP-xmp:Rating', join(out, 'a1111-portrait.png'));
    expect(a1111!['PNG:Parameters']).toBe(a1111Parameters);
    // The copy embeds the XMP too (Lightroom reads sidecars for raw files only).
    expect(a1111!['XMP-xmp:Rating']).toBe(4);
    const [comfy] = exiftool('-PNG:Prompt', '-PNG:Workflow', join(out, 'ComfyUI_00042_.png'));
    expect(JSON.parse(String(comfy!['PNG:Prompt']))).toEqual(comfyGraph);
    expect(JSON.parse(String(comfy!['PNG:Workflow']))).toEqual({ nodes: [{ id: 3, type: 'KSampler' }], links: [] });
    const [fox] = exiftool('-ExifIFD:UserComment', '-XMP-xmp:Rating', join(out, 'a1111-fox.jpg'));
    expect(fox!['ExifIFD:UserComment']).toBe('a red fox in the snow\nSteps: 12, Sampler: DDIM, CFG scale: 5, Seed: 77, Size: 16x16');
    expect(fox!['XMP-xmp:Rating']).toBe(5);
  });

  it('converts to JPEG at a size with the settings in EXIF UserComment (any script) and to PNG with text chunks', async () => {
    const jpegDir = join(root, 'as-jpeg');
    const converted = await exportOutputs(studio.catalog, {
      outDir: jpegDir,
      ids: [id(names.comfyui), id(names.a1111)],
      format: 'jpeg',
      size: 32,
      quality: 90,
      xmp: false,
      contactSheet: false,
    });
    expect(converted.exported).toBe(2);
    expect(readdirSync(jpegDir).sort()).toEqual(['.likeness-export.jsonl', 'ComfyUI_00042_.jpg', 'a1111-portrait.jpg']);
    const meta = await sharp(join(jpegDir, 'a1111-portrait.jpg')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBe(32);
    const comment = readExifText(meta.exif!).userComment!;
    expect(extractProvenance({ texts: [], exif: meta.exif! }).provenance).toMatchObject({ seed: 1234567890, model: 'juggernautXL_v9', steps: 28 });
    expect(comment).toMatch(/Negative prompt: blurry, lowres/);

    // A prompt in Chinese survives (UTF-16 UserComment, not ASCII).
    await studio.catalog.db.prepare("UPDATE outputs SET prompt = '奶奶的肖像, film grain' WHERE id = ?").run(id(names.comfyui));
    const cjk = await exportOutputs(studio.catalog, {
      outDir: join(root, 'cjk'),
      ids: [id(names.comfyui)],
      format: 'jpeg',
      quality: 90,
      xmp: false,
      contactSheet: false,
    });
    expect(readExifText((await sharp(cjk.files[0]!).metadata()).exif!).userComment).toMatch(/^奶奶的肖像, film grain/);

    const pngDir = join(root, 'as-png');
    const png = await exportOutputs(studio.catalog, {
      outDir: pngDir,
      ids: [id(names.a1111Jpeg)],
      format: 'png',
      quality: 90,
      xmp: true,
      contactSheet: false,
    });
    const pngMeta = await sharp(png.files[0]!).metadata();
    expect(pngMeta.format).toBe('png');
    expect(extractProvenance({ texts: pngMeta.comments ?? [] }).provenance).toMatchObject({ prompt: 'a red fox in the snow', seed: 77 });
  });

  it('never overwrites: a file of the same name that Likeness did not write there gets the next name', async () => {
    const dir = join(root, 'someone-elses');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a1111-portrait.png'), 'the user’s own file');
    const again = await exportOutputs(studio.catalog, {
      outDir: dir,
      ids: [id(names.a1111)],
      format: 'original',
      quality: 90,
      xmp: true,
      contactSheet: false,
    });
    expect(again.files).toEqual([join(dir, `a1111-portrait-${id(names.a1111)}.png`)]);
    expect(existsSync(join(dir, `a1111-portrait-${id(names.a1111)}.xmp`))).toBe(true);
    expect(readFileSync(join(dir, 'a1111-portrait.png'), 'utf8')).toBe('the user’s own file');
  });

  it('exporting into the same folder again skips what an earlier export left there (no second copies), and converts anew at other settings', async () => {
    const before = readdirSync(out).sort();
    const sidecar = readFileSync(join(out, 'a1111-portrait.xmp'), 'utf8');
    const job = await studio.api.review.export({ outDir: out, xmp: true, contactSheet: true });
    const again = (await studio.jobs.waitFor(job.id)).result as OutputExportResult;
    expect(again).toMatchObject({ exported: 0, alreadyThere: 3, files: [], failed: [] });
    // The contact sheet is the one Likeness wrote: replaced, not joined by a contact-sheet-2.jpg.
    expect(again.contactSheets).toEqual([join(out, 'contact-sheet.jpg')]);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(readFileSync(join(out, 'a1111-portrait.xmp'), 'utf8')).toBe(sidecar);

    const jpeg = await exportOutputs(studio.catalog, {
      outDir: out,
      ids: [id(names.a1111)],
      format: 'jpeg',
      size: 64,
      quality: 90,
      xmp: false,
      contactSheet: false,
    });
    expect(jpeg).toMatchObject({ exported: 1, alreadyThere: 0 });
  });

  it('an export interrupted part-way finishes the rest when run again, without duplicates', async () => {
    const dir = join(root, 'interrupted');
    const all = [...byName.values()].map((o) => o.id);
    const controller = new AbortController();
    let calls = 0;
    const request = { outDir: dir, ids: all, format: 'png' as const, quality: 90, xmp: true, contactSheet: false };
    await expect(
      exportOutputs(studio.catalog, request, {
        signal: controller.signal,
        progress: () => {
          if (++calls === 3) controller.abort();
        },
      }),
    ).rejects.toThrow();
    const resumed = await exportOutputs(studio.catalog, request);
    expect(resumed.alreadyThere).toBe(2);
    expect(resumed.exported + resumed.alreadyThere).toBe(all.length);
    expect(readdirSync(dir).filter((f) => f.endsWith('.png'))).toHaveLength(all.length);
  });

  it('an export killed after naming a file and writing its sidecar finishes that file under the same name', async () => {
    const dir = join(root, 'killed-mid-file');
    mkdirSync(dir);
    const target = id(names.a1111);
    const request = { outDir: dir, ids: [target], format: 'original' as const, quality: 90, xmp: true, contactSheet: false };
    // What the kill left: the manifest line (written first) and one of the two sidecars, not the file itself.
    writeFileSync(join(dir, EXPORT_MANIFEST), `${JSON.stringify({ id: target, file: 'a1111-portrait.png', format: 'original', size: null })}\n`);
    writeFileSync(join(dir, 'a1111-portrait.xmp'), '<x:xmpmeta/>');
    const resumed = await exportOutputs(studio.catalog, request);
    expect(resumed).toMatchObject({ exported: 1, alreadyThere: 0, files: [join(dir, 'a1111-portrait.png')], failed: [] });
    expect(readdirSync(dir).sort()).toEqual([EXPORT_MANIFEST, 'a1111-portrait.png', 'a1111-portrait.png.xmp', 'a1111-portrait.xmp']);
    expect(xmpOf(join(dir, 'a1111-portrait.png'))).toContain('xmp:Rating');
    // The manifest names the file once, so a third run keeps it.
    expect(readFileSync(join(dir, EXPORT_MANIFEST), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await exportOutputs(studio.catalog, request)).toMatchObject({ exported: 0, alreadyThere: 1 });
  });

  it('stops when cancelled, leaving no half-written file', async () => {
    const controller = new AbortController();
    const dir = join(root, 'cancelled');
    let calls = 0;
    await expect(
      exportOutputs(
        studio.catalog,
        { outDir: dir, ids: [...byName.values()].map((o) => o.id), format: 'png', quality: 90, xmp: true, contactSheet: false },
        {
          signal: controller.signal,
          progress: () => {
            if (++calls === 2) controller.abort();
          },
        },
      ),
    ).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.png'))).toHaveLength(1);
    expect(readdirSync(dir).some((f) => f.includes('partial'))).toBe(false);
  });

  it('refuses a folder inside the library, and names files safely', async () => {
    await expect(studio.api.review.export({ outDir: join(studio.catalog.paths.root, 'export') })).rejects.toThrow(/inside the library/);
    expect(safeStem('con.png', 3)).toBe('likeness-3');
    expect(safeStem('a:b*?"x".png', 3)).toBe('a_b___x_');
    expect(safeStem(null, 9)).toBe('likeness-9');
  });
});
