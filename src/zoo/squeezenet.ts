import type { ModelProto } from "../onnx/proto.js";
import type { InitScheme } from "./init.js";
import { ZooBuilder } from "./layers.js";

/** torchvision's SqueezeNet init: kaiming_uniform_ for every conv but the last, zero biases. */
const CONV_INIT: InitScheme = { kind: "kaiming_uniform_fan_in" };
const FINAL_CONV_INIT: InitScheme = { kind: "normal", std: 0.01 };

interface FireSpec {
  inplanes: number;
  squeeze: number;
  expand1x1: number;
  expand3x3: number;
}

/** torchvision's Fire module: squeeze 1x1, then 1x1 and 3x3 expands concatenated on channels. */
function fire(z: ZooBuilder, x: string, p: string, f: FireSpec): string {
  const conv = { init: CONV_INIT, biasInit: "zeros" } as const;
  const s = z.relu(z.conv2d(x, `${p}.squeeze`, f.inplanes, f.squeeze, 1, conv), `${p}.squeeze_activation`);
  const e1 = z.relu(z.conv2d(s, `${p}.expand1x1`, f.squeeze, f.expand1x1, 1, conv), `${p}.expand1x1_activation`);
  const e3 = z.conv2d(s, `${p}.expand3x3`, f.squeeze, f.expand3x3, 3, { ...conv, padding: 1 });
  return z.concatChannels([e1, z.relu(e3, `${p}.expand3x3_activation`)], `${p}.cat`);
}

function fireSpec(inplanes: number, squeeze: number, expand: number): FireSpec {
  return { inplanes, squeeze, expand1x1: expand, expand3x3: expand };
}

/**
 * torchvision.models.squeezenet1_1. The max pools use ceil_mode as torchvision's do (no effect on
 * the sizes at 224x224, but faithful at other sizes).
 */
export function squeezenet1_1(seed = 0): ModelProto {
  const z = new ZooBuilder("squeezenet1_1", seed);
  let x = z.imageInput();
  x = z.conv2d(x, "features.0", 3, 64, 3, { stride: 2, init: CONV_INIT, biasInit: "zeros" });
  x = z.maxPool(z.relu(x, "features.1"), 3, 2, 0, true, "features.2");
  x = fire(z, x, "features.3", fireSpec(64, 16, 64));
  x = fire(z, x, "features.4", fireSpec(128, 16, 64));
  x = z.maxPool(x, 3, 2, 0, true, "features.5");
  x = fire(z, x, "features.6", fireSpec(128, 32, 128));
  x = fire(z, x, "features.7", fireSpec(256, 32, 128));
  x = z.maxPool(x, 3, 2, 0, true, "features.8");
  x = fire(z, x, "features.9", fireSpec(256, 48, 192));
  x = fire(z, x, "features.10", fireSpec(384, 48, 192));
  x = fire(z, x, "features.11", fireSpec(384, 64, 256));
  x = fire(z, x, "features.12", fireSpec(512, 64, 256));
  // classifier.0 is Dropout (an identity at inference): omitted.
  x = z.conv2d(x, "classifier.1", 512, 1000, 1, { init: FINAL_CONV_INIT, biasInit: "zeros" });
  x = z.globalAvgPool(z.relu(x, "classifier.2"), "classifier.3");
  x = z.flatten(x, "flatten");
  return z.finish(x, 1000, "squeezenet1_1", seed);
}
