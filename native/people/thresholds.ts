/**
 * Every number vetting judges by, in one place. Measures are stored as they were taken; verdicts are
 * recomputed from them with these values (and the person's crop size), so changing a threshold or the
 * training resolution re-judges without measuring again.
 *
 * Calibrated on the shared fixture photos and the variants the tests make from them (blurred, shrunk,
 * darkened, toned…); see native/people/vetting.test.ts.
 */
export const thresholds = {
  detection: {
    /** Longest side of the image the detector sees (YuNet was trained around 640 px). */
    maxSide: 640,
    /** Candidates below this score are not faces. */
    minScore: 0.6,
    /** Two boxes overlapping more than this (IoU) are one face. */
    nmsIoU: 0.3,
    /** Other faces count as "someone else in the photo" only above this score (weak detections are often patterns). */
    otherFaceMinScore: 0.7,
    /** The main face's score below this: "a face, but Likeness is not sure". */
    confidentScore: 0.75,
    /** A face dominates when it is at least this many times taller than the next one. */
    dominantHeightRatio: 2,
  },
  /** The crop square's side is this many times the face box height (head, hair and a little shoulder). */
  cropSideToFace: 2.5,
  faceSize: {
    /** Crop size / crop side in source pixels: how much the face is enlarged to reach the training resolution. */
    enlargeNote: 1.25,
    enlargeReview: 2,
    enlargeReject: 3.5,
    /** Below this many pixels tall a face has too little detail whatever the resolution. */
    minHeightPx: 48,
    /** Share of the face box that may lie outside the photo before it counts as cut off. */
    maxOutside: 0.15,
  },
  sharpness: {
    /** Faces are measured at most this tall (larger ones are scaled down, never up). */
    measureHeightPx: 128,
    /** LoG std / luma std. Sharp photos measure 0.18–0.6; σ=1.5 px blur ≈ 0.09–0.1; σ=2 ≈ 0.06–0.08. */
    reject: 0.07,
    review: 0.105,
  },
  exposure: {
    /** Luma at or above / at or below which a pixel is burnt out / crushed. */
    highlightLuma: 250,
    shadowLuma: 5,
    /** Share of the face burnt out. */
    highlightsReview: 0.08,
    highlightsReject: 0.25,
    /** Share of the face crushed to black. */
    shadowsReview: 0.2,
    shadowsReject: 0.5,
    /** Mean face luma below this: too dark. */
    darkReview: 45,
    /** RMS contrast of the face below this: flat, faded. */
    lowContrastReview: 0.06,
  },
  pose: {
    /** Eye-line tilt noted (the crop levels it) and, beyond the second value, worth a look (a sideways photo?). */
    rollNote: 8,
    rollReview: 45,
    /** Estimated head turn: noted, then "profile" (a few are fine; many teach the model little about the face). */
    yawNote: 30,
    yawReview: 50,
    /** Nose depth in front of the eyes relative to half the eye distance, for the yaw estimate. */
    noseDepthRatio: 0.8,
  },
  tone: {
    /**
     * Chroma spread among pixels of the same brightness (YCbCr units) below this is a monochrome photo (toned
     * prints measure 0–3.7, colour photos 6+ even faded or dark); then the mean cast decides the kind.
     */
    monochromeSpread: 4.5,
    /** A mean cast below this is neutral black and white; above it, sepia (warm) or another tone. */
    neutralTint: 3,
  },
  duplicates: {
    /** Perceptual-hash Hamming distance (of 64 bits) at or below which two photos are near-duplicates. */
    maxDistance: 8,
  },
} as const;

export type Thresholds = typeof thresholds;

/** Bump when measuring changes so stored measures are taken again. */
export const MEASURES_VERSION = 1;
/** Bump when cropping changes so stored crops are rendered again. */
export const CROP_VERSION = 1;
