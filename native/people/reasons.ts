import type { Reason, ReasonCode } from '../api/namespaces/people';

type Params = Reason['params'];
const positions: Record<string, string> = { left: 'left', centre: 'middle', right: 'right' };

/**
 * English text of every reason code, for the CLI and logs. The UI translates the same codes from
 * renderer/src/locales/<language>/people.json (`reasons.<code>`), so both say the same thing.
 */
const english: Record<ReasonCode, (p: Params) => string> = {
  'no-face': () => 'No face found.',
  'several-faces': (p) =>
    `${p.count} faces of similar size: Likeness cannot tell which one is the person. Choose the face in the photo’s details, or crop the photo to one face.`,
  'main-face': (p) => `${p.count} faces; the ${positions[String(p.position)] ?? p.position} one is much larger and is the one used.`,
  'matched-face': (p) =>
    `${p.count} faces; the ${positions[String(p.position)] ?? p.position} one looks like the person’s other photos and is the one used.`,
  'chosen-face': (p) => `${p.count} faces; the ${positions[String(p.position)] ?? p.position} one, which you chose, is the one used.`,
  'unlike-others': (p) =>
    `This face does not look like the person’s other photos (likeness ${p.likeness} of 100): it may be someone else. Check it, or override.`,
  'other-face-in-crop': () => 'Another face is partly inside the crop: check it, or nudge the crop.',
  'low-confidence': (p) => `A face was found, but the detector is unsure (${p.score}%): check that it is the person.`,
  'face-too-small': (p) => `The face is too small (${p.px} px tall): it would be enlarged ${p.factor}× to reach ${p.cropSize} px and look mushy.`,
  'face-small': (p) => `The face is small (${p.px} px tall): it will be enlarged ${p.factor}× for ${p.cropSize} px and may look soft.`,
  'face-enlarged': (p) => `The face will be enlarged ${p.factor}× for ${p.cropSize} px.`,
  'face-cut-off': (p) => `The face is cut off by the edge of the photo (${p.share}% outside).`,
  blurred: (p) => `The face is blurred (sharpness ${p.value}; below ${p.limit} is too blurred).`,
  soft: (p) => `The face is slightly soft (sharpness ${p.value}; below ${p.limit} is worth a look).`,
  overexposed: (p) => `${p.share}% of the face is burnt out to white.`,
  underexposed: (p) => `${p.share}% of the face is lost in black shadow.`,
  dark: (p) => `The face is dark (average brightness ${p.value} of 255).`,
  'low-contrast': (p) => `The face is flat and faded (contrast ${p.value}%).`,
  profile: (p) => `The head is turned far to the side (about ${p.degrees}°): a few profiles are fine, many teach the model little about the face.`,
  turned: (p) => `The head is turned (about ${p.degrees}°).`,
  tilted: (p) => `The head is tilted ${p.degrees}°; the crop levels the eyes.`,
  'near-duplicate': (p) => `Nearly the same picture as “${p.name}”, which is kept (it is the better one).`,
  'black-and-white': () => 'A black-and-white photo (an old photo): fine for the likeness; the model may also learn the look.',
  sepia: () => 'A sepia-toned photo (an old photo): fine for the likeness; the model may also learn the look.',
  toned: () => 'A toned monochrome photo (an old photo): fine for the likeness; the model may also learn the look.',
  'crop-upscaled': (p) => `The crop is enlarged ${p.factor}× from the photo (the square around the face has fewer pixels than the crop).`,
  'crop-padded': (p) => `${p.share}% of the crop is mirrored edge: the face is near the border.`,
  'crop-shifted': () => 'The face is near the border: the crop was moved inside the photo, so the face is off-centre.',
  'crop-no-face': () => 'No face to centre on: the crop is the middle of the photo.',
};

export function reasonText(reason: Pick<Reason, 'code' | 'params'>): string {
  return english[reason.code](reason.params ?? {});
}

export const verdictWords = { accepted: 'accepted', rejected: 'rejected', review: 'needs a look' } as const;
