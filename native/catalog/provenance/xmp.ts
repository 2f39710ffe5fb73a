import type { ColorLabel, Flag } from '../../api/schemas';

/** What Likeness writes into XMP (sidecar and embedded): the review, tags and note, and the generation settings. */
export interface XmpFields {
  stars: number;
  flag: Flag | null;
  label: ColorLabel | null;
  tags: readonly string[];
  note: string;
  /** The settings in A1111's `parameters` text (also what EXIF UserComment carries). */
  parameters: string | null;
  createdAt: number;
  /** xmp:CreateDate when the photo says when it was taken (EXIF DateTimeOriginal, exif.ts readCaptureDate); else createdAt. */
  captureDate?: string | null;
  creatorTool: string;
}

/** Lightroom/Bridge label names (xmp:Label is free text; these are the defaults both apps show as colours). */
const lightroomLabel: Record<ColorLabel, string> = { red: 'Red', yellow: 'Yellow', green: 'Green', blue: 'Blue', purple: 'Purple' };
/** digiKam's numbered colour labels (Xmp.digiKam.ColorLabel): 1 red, 3 yellow, 4 green, 5 blue, 6 magenta. */
const digikamColor: Record<ColorLabel, number> = { red: 1, yellow: 3, green: 4, blue: 5, purple: 6 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** XML 1.0 forbids most control characters even escaped; prompts pasted from elsewhere sometimes carry them. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- exactly the characters XML cannot carry
  return escapeXml(text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''));
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * An XMP packet that Lightroom, Bridge, digiKam, darktable and exiftool read: xmp:Rating (0–5, −1 for a
 * rejected image, the XMP convention), xmp:Label with Lightroom's colour names, digiKam's PickLabel and
 * ColorLabel, keywords as dc:subject, the note as dc:description and the generation settings as
 * exif:UserComment.
 */
export function buildXmp(fields: XmpFields): string {
  const rating = fields.flag === 'reject' ? -1 : fields.stars;
  const attributes = [
    `xmp:Rating="${rating}"`,
    fields.label ? `xmp:Label="${lightroomLabel[fields.label]}"` : '',
    `xmp:CreateDate="${fields.captureDate ?? isoDate(fields.createdAt)}"`,
    `xmp:MetadataDate="${isoDate(Date.now())}"`,
    `xmp:CreatorTool="${clean(fields.creatorTool)}"`,
    `digiKam:PickLabel="${fields.flag === 'pick' ? 3 : fields.flag === 'reject' ? 1 : 0}"`,
    fields.label ? `digiKam:ColorLabel="${digikamColor[fields.label]}"` : '',
  ].filter(Boolean);
  const alt = (text: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${clean(text)}</rdf:li></rdf:Alt>`;
  const elements = [
    fields.tags.length ? `<dc:subject><rdf:Bag>${fields.tags.map((t) => `<rdf:li>${clean(t)}</rdf:li>`).join('')}</rdf:Bag></dc:subject>` : '',
    fields.tags.length
      ? `<lr:hierarchicalSubject><rdf:Bag>${fields.tags.map((t) => `<rdf:li>${clean(t)}</rdf:li>`).join('')}</rdf:Bag></lr:hierarchicalSubject>`
      : '',
    fields.note ? `<dc:description>${alt(fields.note)}</dc:description>` : '',
    fields.parameters ? `<exif:UserComment>${alt(fields.parameters)}</exif:UserComment>` : '',
  ].filter(Boolean);
  return [
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Likeness">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
    '    xmlns:dc="http://purl.org/dc/elements/1.1/"',
    '    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"',
    '    xmlns:exif="http://ns.adobe.com/exif/1.0/"',
    '    xmlns:digiKam="http://www.digikam.org/ns/1.0/"',
    ...attributes.map((a) => `    ${a}`),
    elements.length ? '   >' : '   />',
    ...elements.map((e) => `   ${e}`),
    ...(elements.length ? ['  </rdf:Description>'] : []),
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}
