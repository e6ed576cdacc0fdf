/** The error codes of the OCI distribution spec, with the status each is answered with. */
export const RegistryErrorStatus = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
} as const;

export type RegistryErrorCode = keyof typeof RegistryErrorStatus;

/** A registry failure as the distribution spec words it: `{"errors":[{code, message, detail}]}`. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
  get status(): number {
    return RegistryErrorStatus[this.code];
  }
}
