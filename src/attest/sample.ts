import type { Attester } from "./attester.js";
import { REPORT_DATA_SIZE } from "./attester.js";
import { AttesterUnavailable } from "./errors.js";

/**
 * Trustee's "sample" evidence: `{svn, report_data}`, unsigned. It proves nothing; a broker accepts
 * it only when told to (`kbs serve --insecure-allow-sample`). For tests and demos without SGX.
 */
export class SampleAttester implements Attester {
  readonly tee = "sample" as const;
  constructor(private readonly svn = "1") {}

  async evidence(reportData: Uint8Array): Promise<Record<string, unknown>> {
    if (reportData.length > REPORT_DATA_SIZE) throw new AttesterUnavailable(`report data is ${reportData.length} bytes; at most ${REPORT_DATA_SIZE}`);
    // Trustee's sample attester carries the raw digest, not padded.
    return { svn: this.svn, report_data: Buffer.from(reportData).toString("base64") };
  }
}
