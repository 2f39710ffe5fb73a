import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { StudioError } from '../api/errors';
import { explainDecodeError, sharpInput } from '../catalog/image-input';
import { appRoot } from '../core/entry-points';
import { placeText, type PlannedText, type StillLayout } from './plan';

/**
 * The caption font: Noto Sans CJK SC Bold, subset to Latin, Greek, Cyrillic, kana and the GB 2312 hanzi
 * (assets/fonts/README.md). Characters outside it fall back to the system's fonts through fontconfig.
 */
export const captionFontFamily = 'Noto Sans CJK SC';
export const captionFontFile = 'NotoSansCJKsc-Bold.subset.otf';

export function captionFontPath(): string {
  // Inside a packaged app the fonts are unpacked beside the archive: native code cannot read from app.asar.
  const path = join(appRoot(), 'assets', 'fonts', captionFontFile).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  if (!existsSync(path)) {
    throw new StudioError('INTERNAL', `The caption font ${path} is missing.`, 'Reinstall Likeness; the font ships with it.');
  }
  return path;
}

/** Sizes the prepared still for zoompan: larger than the frame by the closest zoom, and again for sub-pixel-smooth motion. */
export const OVERSAMPLE = 1.5;

export function preparedSize(width: number, height: number, maxZoom: number): { width: number; height: number } {
  const factor = Math.max(1, maxZoom) * OVERSAMPLE;
  const even = (n: number) => Math.round(n / 2) * 2;
  return { width: even(width * factor), height: even(height * factor) };
}

type RawPixels = { data: Buffer; raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 } };

/** Pixels between steps stay raw: re-encoding a 6 MP intermediate as PNG cost more than the resizes around it. */
async function rawPixels(image: Sharp): Promise<RawPixels> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { data, raw: { width: info.width, height: info.height, channels: info.channels } };
}

const fromRaw = (pixels: RawPixels): Sharp => sharp(pixels.data, { raw: pixels.raw });

/**
 * A still, upright and sRGB, filling a frame of `size`: cropped toward its focus, or whole on a blurred, darker
 * copy of itself (a landscape photo in a vertical reel). Written as a high-quality JPEG for ffmpeg to read once.
 */
export async function prepareStill(
  source: Buffer,
  name: string,
  layout: StillLayout,
  size: { width: number; height: number },
  file: string,
): Promise<void> {
  try {
    const upright = await rawPixels(sharpInput(source).rotate().toColourspace('srgb').flatten({ background: '#000000' }));
    let frame: Sharp;
    if (layout.mode === 'cover') {
      const { x, y, w, h } = layout.crop;
      frame = fromRaw(upright)
        .extract({ left: Math.round(x), top: Math.round(y), width: Math.max(1, Math.round(w)), height: Math.max(1, Math.round(h)) })
        .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
    } else {
      const inner = { width: Math.max(2, Math.round(size.width * layout.crop.w)), height: Math.max(2, Math.round(size.height * layout.crop.h)) };
      // Blurred small, then enlarged: sharp keeps one resize a pipeline, so the two sizes are two pipelines.
      const small = await rawPixels(
        fromRaw(upright)
          .resize(Math.round(size.width / 8), Math.round(size.height / 8), { fit: 'cover' })
          .blur(6)
          .modulate({ brightness: 0.55, saturation: 0.8 }),
      );
      const backdrop = await rawPixels(fromRaw(small).resize(size.width, size.height, { kernel: 'cubic' }));
      const photo = await rawPixels(fromRaw(upright).resize(inner.width, inner.height, { fit: 'fill', kernel: 'lanczos3' }));
      frame = fromRaw(backdrop).composite([
        { input: photo.data, raw: photo.raw, left: Math.round(size.width * layout.crop.x), top: Math.round(size.height * layout.crop.y) },
      ]);
    }
    await frame.jpeg({ quality: 94, chromaSubsampling: '4:4:4' }).toFile(file);
  } catch (error) {
    if (error instanceof StudioError) throw error;
    throw explainDecodeError(error, name);
  }
}

/** The opening card: the first photo blurred and darkened behind the title (the title itself is a text layer). */
export async function prepareTitleCard(source: Buffer | undefined, size: { width: number; height: number }, file: string): Promise<void> {
  const background: Sharp = source
    ? sharp(
        await sharpInput(source)
          .rotate()
          .toColourspace('srgb')
          .flatten({ background: '#000000' })
          .resize(Math.round(size.width / 10), Math.round(size.height / 10), { fit: 'cover' })
          .blur(4)
          .modulate({ brightness: 0.4, saturation: 0.7 })
          .toBuffer(),
      ).resize(size.width, size.height, { kernel: 'cubic' })
    : sharp({ create: { width: size.width, height: size.height, channels: 3, background: '#141414' } });
  await background.jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toFile(file);
}

function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function renderLines(text: string, fontPx: number, maxWidth: number, colour: string, fontfile: string) {
  const { data, info } = await sharp({
    text: {
      text: `<span foreground="${colour}">${escapeMarkup(text)}</span>`,
      font: `${captionFontFamily} Bold ${fontPx}`,
      dpi: 72,
      fontfile,
      width: Math.max(1, Math.floor(maxWidth)),
      align: 'centre',
      wrap: 'word-char',
      rgba: true,
      spacing: Math.round(fontPx * 0.25),
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export interface RenderedText {
  png: Buffer;
  width: number;
  height: number;
  x: number;
  y: number;
}

/**
 * Draws one text of the plan as a transparent PNG with the shipped CJK font (Pango lays out and wraps any
 * script, CJK included), shrunk if needed so it never leaves its region (the safe area), and places it.
 */
export async function renderText(text: PlannedText): Promise<RenderedText> {
  const fontfile = captionFontPath();
  const padding = text.boxed ? Math.round(text.fontPx * 0.45) : Math.round(text.fontPx * 0.3);
  let fontPx = text.fontPx;
  for (let attempt = 0; ; attempt++) {
    const lines = await renderLines(text.text, fontPx, text.region.w - 2 * padding, '#ffffff', fontfile);
    const width = lines.width + 2 * padding;
    const height = lines.height + 2 * padding;
    if ((width > text.region.w || height > text.region.h) && attempt < 6) {
      fontPx = Math.max(8, Math.floor(fontPx * 0.85));
      continue;
    }
    const layers: OverlayOptions[] = [];
    if (text.boxed) {
      const radius = Math.round(fontPx * 0.35);
      layers.push({
        input: Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" rx="${radius}" ry="${radius}" fill="#000000" fill-opacity="0.58"/></svg>`,
        ),
        left: 0,
        top: 0,
      });
    } else {
      // A soft shadow under free-standing text keeps it readable on any picture.
      const dark = await renderLines(text.text, fontPx, text.region.w - 2 * padding, '#000000', fontfile);
      const shadow = await sharp(dark.data)
        .extend({ top: padding, bottom: padding, left: padding, right: padding, background: { r: 0, g: 0, b: 0, alpha: 0 } })
        .blur(Math.max(1, fontPx / 12))
        .png()
        .toBuffer();
      layers.push({ input: shadow, left: 0, top: Math.round(fontPx / 20) });
    }
    layers.push({ input: lines.data, left: padding, top: padding });
    const png = await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite(layers)
      .png({ compressionLevel: 3 })
      .toBuffer();
    const { x, y } = placeText(text.region, text.anchor, width, height);
    return { png, width, height, x, y };
  }
}

/** The bar drawn over a wipe's seam. */
export async function renderDivider(height: number): Promise<Buffer> {
  const width = Math.max(4, Math.round(height / 320)) * 2;
  return sharp({ create: { width, height, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0.9 } } })
    .png()
    .toBuffer();
}
