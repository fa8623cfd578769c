import sharp from "sharp";
import { ImageInvalid } from "../errors.js";
import { readUntrusted } from "../util/untrusted-file.js";
import type { NdArray } from "./npy.js";
import { resizeBilinearLikePillow } from "./resample.js";

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** Larger images are refused before decoding: a small compressed file can expand to gigabytes of pixels. */
export const MAX_IMAGE_PIXELS = 100_000_000;

export interface PreprocessOptions {
  /** Shorter side after resizing (torchvision Resize(256)). */
  resize?: number;
  /** Side of the centre crop (CenterCrop(224)). */
  crop?: number;
  mean?: readonly number[];
  std?: readonly number[];
}

/**
 * torchvision's ImageNet preprocessing: Resize(256) (bilinear, antialiased, shorter side), then
 * CenterCrop(224), ToTensor (HWC uint8 -> CHW in [0, 1]) and Normalize(mean, std). Returns a
 * [1, 3, crop, crop] float32 array. sharp decodes (bit-identical to Pillow on JPEG); the resize is
 * Pillow's own arithmetic (resample.ts).
 */
export async function preprocessImage(image: Uint8Array | string, options: PreprocessOptions = {}): Promise<NdArray<Float32Array>> {
  const size = options.resize ?? 256;
  const crop = options.crop ?? 224;
  const mean = options.mean ?? IMAGENET_MEAN;
  const std = options.std ?? IMAGENET_STD;
  const bytes = typeof image === "string" ? await readUntrusted(image, "image") : image;
  let pixels: Uint8Array;
  try {
    const { data, info } = await sharp(bytes, { failOn: "error", limitInputPixels: MAX_IMAGE_PIXELS }).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 colour channels after conversion, got ${info.channels}`);
    // torchvision truncates the long side: int(size * long / short).
    const [w, h] = info.width <= info.height
      ? [size, Math.trunc((size * info.height) / info.width)]
      : [Math.trunc((size * info.width) / info.height), size];
    if (w < crop || h < crop) throw new Error(`resized image ${w}x${h} is smaller than the ${crop}x${crop} crop`);
    const resized = resizeBilinearLikePillow(data, info.width, info.height, info.channels, w, h);
    const left = roundHalfEven((w - crop) / 2);
    const top = roundHalfEven((h - crop) / 2);
    pixels = new Uint8Array(crop * crop * 3);
    for (let y = 0; y < crop; y++) pixels.set(resized.subarray(((top + y) * w + left) * 3, ((top + y) * w + left + crop) * 3), y * crop * 3);
  } catch (e) {
    const source = typeof image === "string" ? image : "the image";
    throw new ImageInvalid(`cannot decode ${source}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const plane = crop * crop;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) data[c * plane + i] = (pixels[i * 3 + c]! / 255 - mean[c]!) / std[c]!;
  }
  return { shape: [1, 3, crop, crop], data };
}

/** Python's round(): halves go to the even neighbour (CenterCrop uses it for the offsets). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}
