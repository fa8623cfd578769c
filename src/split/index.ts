export { split, maxParts, partFileName, DEFAULT_PARTS, type Balance, type SplitOptions, type SplitResult } from "./split.js";
export { parsePlan, PLAN_VERSION, type PartSpec, type SplitPlan, type TensorSignature } from "./plan.js";
export { writeSplit, readPartsDir, type PartsOnDisk } from "./files.js";
export { PART_METADATA } from "./extract.js";
