import { readFileSync } from "node:fs";

/** torchvision state_dict keys and shapes, written by scripts/dev/zoo-fixture.py. */
export interface StateDictShapes {
  torchvision: string;
  zoo: Record<string, [string, number[]][]>;
  others: Record<string, [string, number[]][]>;
}

export const SHAPES = JSON.parse(
  readFileSync(new URL("../fixtures/zoo/state-dict-shapes.json", import.meta.url), "utf8"),
) as StateDictShapes;

export function shapeMap(entries: readonly [string, number[]][]): Map<string, number[]> {
  return new Map(entries);
}
