import sharp from "sharp";
import { ImageInvalid } from "../errors.js";
import type { NdArray } from "./npy.js";

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

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
 * [1, 3, crop, crop] float32 array.
 */
export async function preprocessImage(image: Uint8Array | string, options: PreprocessOptions = {}): Promise<NdArray> {
  const size = options.resize ?? 256;
  const crop = options.crop ?? 224;
  const mean = options.mean ?? IMAGENET_MEAN;
  const std = options.std ?? IMAGENET_STD;
  let pixels: Buffer;
  try {
    const input = sharp(image, { failOn: "error" });
    const meta = await input.metadata();
    if (!meta.width || !meta.height) throw new Error("no image dimensions");
    // torchvision truncates the long side: int(size * long / short).
    const [w, h] = meta.width <= meta.height
      ? [size, Math.trunc((size * meta.height) / meta.width)]
      : [Math.trunc((size * meta.width) / meta.height), size];
    if (w < crop || h < crop) throw new Error(`resized image ${w}x${h} is smaller than the ${crop}x${crop} crop`);
    const left = Math.round((w - crop) / 2);
    const top = Math.round((h - crop) / 2);
    pixels = await input
      .removeAlpha()
      .toColourspace("srgb")
      .resize(w, h, { kernel: "linear", fit: "fill", fastShrinkOnLoad: false })
      .extract({ left, top, width: crop, height: crop })
      .raw()
      .toBuffer();
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
