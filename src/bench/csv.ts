import { stringify } from "csv-stringify/sync";

/** `n/a` marks a value that could not be measured here (energy without RAPL): never an estimate. */
export const NOT_AVAILABLE = "n/a";

/** A CSV with a header line; missing values are written as `n/a`. */
export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  const records = rows.map((r) => columns.map((c) => (r[c] === undefined ? NOT_AVAILABLE : (r[c] as unknown))));
  return stringify(records, { header: true, columns: [...columns] });
}
