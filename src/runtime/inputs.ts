import { ort } from "../ort.js";
import { SeededRandom } from "../util/random.js";

/** A reproducible pseudo-random float32 input (standard normal), for checks and benchmarks. */
export function seededInput(dims: readonly number[], seed = 1234): ort.Tensor {
  const rng = new SeededRandom(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor("float32", rng.fillNormal(n, 1), [...dims]);
}
