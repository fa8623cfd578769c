/**
 * Deterministic weight initialisation from a seed, following torchvision's schemes (kaiming normal
 * for convolutions, normal or uniform for linear layers). Not bit-identical to PyTorch's RNG: the
 * point is reproducible, well-scaled random weights; real weights come from an import.
 */
import { SeededRandom } from "../util/random.js";

/**
 * Draws nothing: every "random" array is zeros. Used to build an architecture whose weights are
 * about to be replaced by imported ones, without paying for generating random numbers.
 */
export class NoRandom extends SeededRandom {
  constructor() {
    super(0);
  }

  override fillNormal(n: number): Float32Array {
    return new Float32Array(n);
  }

  override fillUniform(n: number): Float32Array {
    return new Float32Array(n);
  }
}

/** The seed that asks the zoo for zero weights (a skeleton for imported weights). */
export const SKELETON_SEED = -1;


/** How a layer's weights are drawn; each architecture picks the scheme torchvision uses. */
export type InitScheme =
  | { kind: "kaiming_normal_fan_out" } // nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
  | { kind: "pytorch_default" } // nn.Conv2d / nn.Linear reset_parameters: kaiming_uniform(a=sqrt(5))
  | { kind: "kaiming_uniform_fan_in" } // nn.init.kaiming_uniform_(w) with its defaults (a=0, fan_in)
  | { kind: "normal"; std: number }
  | { kind: "uniform"; bound: number };

/** Weights for a tensor of `shape` whose dim 0 is output features and dims 1.. are fan-in. */
export function initWeight(rng: SeededRandom, shape: readonly number[], scheme: InitScheme): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  const fanIn = (shape[1] ?? 1) * receptive;
  const fanOut = shape[0]! * receptive;
  switch (scheme.kind) {
    case "kaiming_normal_fan_out":
      return rng.fillNormal(n, Math.sqrt(2 / fanOut));
    case "pytorch_default":
      // gain sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
      return rng.fillUniform(n, 1 / Math.sqrt(fanIn));
    case "kaiming_uniform_fan_in":
      // gain sqrt(2) (leaky_relu with a=0), bound = gain * sqrt(3 / fan_in)
      return rng.fillUniform(n, Math.sqrt(6 / fanIn));
    case "normal":
      return rng.fillNormal(n, scheme.std);
    case "uniform":
      return rng.fillUniform(n, scheme.bound);
  }
}

/** PyTorch's default bias for conv/linear: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function defaultBias(rng: SeededRandom, outFeatures: number, fanIn: number): Float32Array {
  return rng.fillUniform(outFeatures, 1 / Math.sqrt(fanIn));
}
