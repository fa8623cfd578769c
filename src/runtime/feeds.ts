import { join } from "node:path";
import { ort } from "../ort.js";
import { IoError, MsplitError, NpyInvalid, UsageError } from "../errors.js";
import { dataTypeName, dtypeOfOnnx, randomData } from "../onnx/dtypes.js";
import { type Dim, formatShape, type TensorType } from "../onnx/types.js";
import { SeededRandom } from "../util/random.js";
import { commitStagingDir, createStagingDir, discardStagingDir, writeNewFile } from "../util/staging.js";
import { encodeNpy, readNpy, writeNpy } from "./npy.js";
import type { Feeds } from "./pipeline.js";
import { fromOrtTensor, toOrtTensor } from "./tensors.js";

/**
 * Inputs and outputs of a model of any signature, as run, verify and the benchmarks use them:
 * named .npy files in, random inputs that honour each input's dtype and shape, every output out.
 */

/** One input or output of a model or chain: its name and declared type (dims may be symbolic). */
export interface TensorSpec {
  name: string;
  type?: TensorType;
}

/**
 * Parses repeated `name=value` arguments. A bare value (no `name=`) is allowed when `names` holds
 * exactly one name, for one-input models: `--input x.npy`. Without `names`, any name is taken
 * (and checked by whoever knows the model).
 */
export function parseNamed(values: readonly string[], names: readonly string[] | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf("=");
    const named = eq > 0 && (names === undefined || names.includes(v.slice(0, eq)));
    let name: string;
    if (named) name = v.slice(0, eq);
    else if (names?.length === 1) name = names[0]!;
    else if (!names) throw new UsageError(`${flag} ${v}: write ${flag} <input name>=<value>`);
    else throw new UsageError(`${flag} ${v}: the model has ${names.length} inputs (${names.join(", ")}); write ${flag} <name>=<value>`);
    if (out.has(name)) throw new UsageError(`${flag} gives '${name}' twice`);
    out.set(name, named ? v.slice(eq + 1) : v);
  }
  return out;
}

/** `name=1,3,224,224` values (split --input-shape, verify --shape) as input name -> dims. */
export function parseShapes(values: readonly string[], names: readonly string[] | undefined, flag: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, text] of parseNamed(values, names, flag)) {
    const dims = text.split(/[,x]/).map((s) => s.trim());
    if (dims.length === 0 || dims.some((d) => !/^\d+$/.test(d))) throw new UsageError(`${flag} ${name}=${text}: expected comma-separated sizes, such as 1,3,224,224`);
    out[name] = dims.map(Number);
  }
  return out;
}

/**
 * Reads one .npy file per input and checks it against the input's declared dtype and shape.
 * A float64 file for a float32 input is narrowed (numpy's default type); other dtypes must match.
 */
export async function readFeeds(inputs: readonly TensorSpec[], paths: ReadonlyMap<string, string>): Promise<Feeds> {
  const feeds: Feeds = {};
  const missing = inputs.filter((i) => !paths.has(i.name)).map((i) => i.name);
  if (missing.length > 0) throw new UsageError(`no value for input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")}: give --input <name>=<file.npy> for each`);
  for (const spec of inputs) {
    const path = paths.get(spec.name)!;
    let array = await readNpy(path);
    const want = spec.type ? dtypeOfOnnx(spec.type.elemType) : undefined;
    if (want && array.dtype !== want.ort) {
      if (!(want.ort === "float32" && array.dtype === "float64")) {
        throw new NpyInvalid(`${path} holds ${array.dtype}, but input '${spec.name}' takes ${want.ort}`);
      }
      array = { dtype: "float32", shape: array.shape, data: Float32Array.from(array.data as Float64Array) };
    }
    const declared = spec.type?.shape;
    if (declared && (declared.length !== array.shape.length || declared.some((d, i) => typeof d === "number" && d !== array.shape[i]))) {
      throw new NpyInvalid(`${path} has shape [${array.shape.join(", ")}], but input '${spec.name}' is ${formatShape(declared)}`);
    }
    feeds[spec.name] = toOrtTensor(array);
  }
  return feeds;
}

/**
 * The concrete shape of each input: static dims as declared; a symbolic dim from `shapes` (the
 * whole shape, per input), else from `sizes` (a value per dim name, such as a plan's), else 1 when
 * it leads (the batch). Anything else cannot be chosen: the error names every dim it needs.
 */
export function concreteShapes(
  inputs: readonly TensorSpec[],
  shapes: Readonly<Record<string, readonly number[]>> = {},
  sizes: ReadonlyMap<string, number> = new Map(),
): Map<string, number[]> {
  for (const name of Object.keys(shapes)) if (!inputs.some((i) => i.name === name)) throw new UsageError(`--shape names '${name}', which is not an input (inputs: ${inputs.map((i) => i.name).join(", ")})`);
  // A dim name given a value through one input's --shape has it in every input (a shared batch).
  const known = new Map(sizes);
  for (const spec of inputs) {
    const given = shapes[spec.name];
    spec.type?.shape?.forEach((d, i) => {
      if (typeof d === "string" && given?.[i] !== undefined) known.set(d, given[i]);
    });
  }
  const out = new Map<string, number[]>();
  const needed: string[] = [];
  for (const spec of inputs) {
    const declared = spec.type?.shape;
    const given = shapes[spec.name];
    if (given) {
      if (declared && (declared.length !== given.length || declared.some((d, i) => typeof d === "number" && d !== given[i]))) {
        throw new UsageError(`--shape ${spec.name}=${given.join(",")} does not fit the input's shape ${formatShape(declared)}`);
      }
      out.set(spec.name, [...given]);
      continue;
    }
    if (!declared) {
      needed.push(`'${spec.name}' (shape unknown)`);
      continue;
    }
    const dims = declared.map((d: Dim, i) => (typeof d === "number" ? d : typeof d === "string" && known.has(d) ? known.get(d)! : i === 0 ? 1 : undefined));
    const open = declared.map((d, i) => (dims[i] === undefined ? (typeof d === "string" ? d : `dim ${i}`) : undefined)).filter((d) => d !== undefined);
    if (open.length > 0) needed.push(`'${spec.name}' ${formatShape(declared)}: ${open.join(", ")}`);
    else out.set(spec.name, dims as number[]);
  }
  if (needed.length > 0) {
    throw new UsageError(`cannot choose sizes for ${needed.join("; ")}: give --shape <input>=<d0,d1,...> (or real inputs with --input)`);
  }
  return out;
}

/**
 * Reproducible random inputs of each input's dtype (onnx/dtypes.ts randomData): floats standard
 * normal, integers 0..3, bools fair coins.
 */
export function randomFeeds(inputs: readonly TensorSpec[], shapes: ReadonlyMap<string, readonly number[]>, seed = 1234): Feeds {
  const rng = new SeededRandom(seed);
  const feeds: Feeds = {};
  for (const spec of inputs) {
    const dims = shapes.get(spec.name)!;
    const elemType = spec.type?.elemType ?? 1;
    const d = dtypeOfOnnx(elemType);
    if (!d) throw new UsageError(`input '${spec.name}' is ${dataTypeName(elemType)}: msplit cannot make random values of that type (give --input)`);
    const data = randomData(d, dims.reduce((a, b) => a * b, 1), rng);
    feeds[spec.name] = new ort.Tensor(d.ort, data as ort.Tensor.DataType, [...dims]);
  }
  return feeds;
}

/** A file name for an output: its name with characters other than letters, digits, '.', '_' and '-' replaced. */
export function outputFileName(name: string, taken: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_") || "output";
  if (base.length > 120) base = base.slice(0, 120);
  let file = `${base}.npy`;
  for (let k = 2; taken.has(file); k++) file = `${base}_${k}.npy`;
  taken.add(file);
  return file;
}

/**
 * Writes every output: one output to `path` itself, several into a new directory `path` holding
 * `<output name>.npy` each (written aside and renamed into place, so never half a set). Returns
 * output name -> file written. `overwrite` replaces an existing single file (`--force`).
 */
export async function writeOutputs(path: string, outputs: Feeds, names: readonly string[], options: { overwrite?: boolean } = {}): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (names.length === 1) {
    await writeNpy(path, fromOrtTensor(outputs[names[0]!]!), options);
    files.set(names[0]!, path);
    return files;
  }
  const tmp = await createStagingDir(path, 0o755);
  try {
    const taken = new Set<string>();
    for (const name of names) {
      const file = outputFileName(name, taken);
      await writeNewFile(join(tmp, file), [encodeNpy(fromOrtTensor(outputs[name]!))], 0o644);
      files.set(name, join(path, file));
    }
    await commitStagingDir(tmp, path);
  } catch (e) {
    await discardStagingDir(tmp);
    if (e instanceof MsplitError) throw e;
    throw new IoError(`cannot write outputs to ${path}: ${(e as Error).message}`, { cause: e });
  }
  return files;
}

/** One reproducible standard-normal float32 tensor (the zoo models' input), as randomFeeds makes it. */
export function seededInput(dims: readonly number[], seed = 1234): ort.Tensor {
  return randomFeeds([{ name: "x", type: { elemType: 1, shape: [...dims] } }], new Map([["x", dims]]), seed).x!;
}
