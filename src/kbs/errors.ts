import { MsplitError } from "../errors.js";

/** The key broker refused a request; the message carries its HTTP status and error kind. */
export class KbsRefused extends MsplitError {
  static override code = "ERR_KBS_REFUSED" as const;
  constructor(
    message: string,
    readonly status: number,
    readonly kind: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The broker cannot be reached, or answers with something that is not the protocol. */
export class KbsUnavailable extends MsplitError {
  static override code = "ERR_KBS_UNAVAILABLE" as const;
}

/** A released resource that is not a msplit key release, or one for another bundle. */
export class KeyReleaseInvalid extends MsplitError {
  static override code = "ERR_KEY_RELEASE_INVALID" as const;
}

/** The broker's own configuration (policy, resources, TLS files) is unusable. */
export class KbsConfigInvalid extends MsplitError {
  static override code = "ERR_KBS_CONFIG" as const;
}
