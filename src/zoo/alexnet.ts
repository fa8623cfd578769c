import type { ModelProto } from "../onnx/proto.js";
import { ZooBuilder } from "./layers.js";

/**
 * torchvision.models.alexnet: features (5 convs), AdaptiveAvgPool2d(6) (an identity at 224x224,
 * omitted), classifier (Dropout omitted, 3 linears). Default PyTorch init, as torchvision's AlexNet.
 */
export function alexnet(seed = 0): ModelProto {
  const z = new ZooBuilder("alexnet", seed);
  let x = z.imageInput();
  x = z.relu(z.conv2d(x, "features.0", 3, 64, 11, { stride: 4, padding: 2 }), "features.1");
  x = z.maxPool(x, 3, 2, 0, false, "features.2");
  x = z.relu(z.conv2d(x, "features.3", 64, 192, 5, { padding: 2 }), "features.4");
  x = z.maxPool(x, 3, 2, 0, false, "features.5");
  x = z.relu(z.conv2d(x, "features.6", 192, 384, 3, { padding: 1 }), "features.7");
  x = z.relu(z.conv2d(x, "features.8", 384, 256, 3, { padding: 1 }), "features.9");
  x = z.relu(z.conv2d(x, "features.10", 256, 256, 3, { padding: 1 }), "features.11");
  x = z.maxPool(x, 3, 2, 0, false, "features.12");
  x = z.flatten(x, "flatten");
  x = z.relu(z.linear(x, "classifier.1", 256 * 6 * 6, 4096), "classifier.2");
  x = z.relu(z.linear(x, "classifier.4", 4096, 4096), "classifier.5");
  x = z.linear(x, "classifier.6", 4096, 1000);
  return z.finish(x, 1000, "alexnet", seed);
}
