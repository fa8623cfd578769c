/**
 * A minimal DER reader for the few fields node's X509Certificate does not expose (the PCK's SGX
 * extension). asn1js parses a PCK certificate in tens of milliseconds, too slow for a key broker
 * under load or for fuzzing; this walks tag-length-value triples with every length bounds-checked.
 */
export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  tag: number;
  value: Uint8Array;
}

export const DER = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OID: 0x06,
  ENUMERATED: 0x0a,
  SEQUENCE: 0x30,
} as const;

export class DerError extends Error {}

/** The TLVs laid end to end in `bytes` (the content of a constructed value, or a whole document). */
export function children(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes.length - i < 2) throw new DerError("truncated TLV");
    const tag = bytes[i]!;
    if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not used here");
    let len = bytes[i + 1]!;
    i += 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || bytes.length - i < n) throw new DerError("bad length");
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + bytes[i + k]!;
      i += n;
    }
    if (len > bytes.length - i) throw new DerError("length runs past the end");
    out.push({ tag, value: bytes.subarray(i, i + len) });
    i += len;
  }
  return out;
}

export function oidString(value: Uint8Array): string {
  if (value.length === 0) throw new DerError("empty OID");
  const parts: number[] = [];
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    n = n * 128 + (value[i]! & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw new DerError("OID arc too large");
    if ((value[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else parts.push(n);
      n = 0;
    } else if (i === value.length - 1) throw new DerError("OID ends mid-arc");
  }
  return parts.join(".");
}

/** A non-negative INTEGER that fits in a JS number. */
export function unsignedInt(value: Uint8Array): number {
  if (value.length === 0 || value.length > 6 || (value[0]! & 0x80) !== 0) throw new DerError("not a small non-negative integer");
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}
