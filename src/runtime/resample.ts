/**
 * Bilinear resampling with antialiasing, computed as Pillow computes `Image.resize(size,
 * BILINEAR)` for 8-bit images (what torchvision's Resize does on a PIL image): a triangle filter
 * widened by the scale factor, coefficients normalised and rounded to 22-bit fixed point, a
 * horizontal pass then a vertical pass, each rounded and clipped to 0..255. libvips (sharp) rounds
 * differently and lands up to 2 levels away on some pixels; this lands on Pillow's values.
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

interface Coefficients {
  /** First input index read by each output index. */
  start: Int32Array;
  /** Number of inputs read by each output index. */
  count: Int32Array;
  /** Fixed-point weights, `maxCount` per output index. */
  weights: Int32Array;
  maxCount: number;
}

function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's support is 1
  const maxCount = Math.ceil(support) * 2 + 1;
  const inverse = 1 / filterScale; // Pillow multiplies by the reciprocal; so do we, for the same rounding
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * maxCount);
  const k = new Float64Array(maxCount);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < n; x++) {
      k[x] = triangle((x + xmin - center + 0.5) * inverse);
      total += k[x]!;
    }
    for (let x = 0; x < n; x++) {
      const w = total !== 0 ? k[x]! / total : 0;
      weights[xx * maxCount + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[xx] = xmin;
    count[xx] = n;
  }
  return { start, count, weights, maxCount };
}

function clip8(v: number): number {
  const s = Math.floor(v / ONE);
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

/** Resizes interleaved 8-bit pixels (`channels` per pixel) to `outWidth` x `outHeight`. */
export function resizeBilinearLikePillow(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  // Horizontal pass: width -> outWidth, every row.
  const h = coefficients(width, outWidth);
  const mid = new Uint8Array(outWidth * height * channels);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let xx = 0; xx < outWidth; xx++) {
      const s = h.start[xx]!;
      const n = h.count[xx]!;
      const base = xx * h.maxCount;
      for (let c = 0; c < channels; c++) {
        let acc = HALF;
        for (let x = 0; x < n; x++) acc += pixels[row + (s + x) * channels + c]! * h.weights[base + x]!;
        mid[(y * outWidth + xx) * channels + c] = clip8(acc);
      }
    }
  }
  // Vertical pass: height -> outHeight, every column.
  const v = coefficients(height, outHeight);
  const out = new Uint8Array(outWidth * outHeight * channels);
  const stride = outWidth * channels;
  for (let yy = 0; yy < outHeight; yy++) {
    const s = v.start[yy]!;
    const n = v.count[yy]!;
    const base = yy * v.maxCount;
    for (let i = 0; i < stride; i++) {
      let acc = HALF;
      for (let y = 0; y < n; y++) acc += mid[(s + y) * stride + i]! * v.weights[base + y]!;
      out[yy * stride + i] = clip8(acc);
    }
  }
  return out;
}
