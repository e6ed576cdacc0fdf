/** Why an image operation failed; callers branch on `code`, people read `message`. */
export const ImageErrorCode = {
  InvalidReference: 'InvalidReference',
  InvalidDigest: 'InvalidDigest',
  DigestMismatch: 'DigestMismatch',
  InvalidArchive: 'InvalidArchive',
  InvalidLayer: 'InvalidLayer',
  UnsafePath: 'UnsafePath',
  UnsupportedMediaType: 'UnsupportedMediaType',
  UnsupportedCompression: 'UnsupportedCompression',
  ImageNotFound: 'ImageNotFound',
  AmbiguousReference: 'AmbiguousReference',
  TooManyLayers: 'TooManyLayers',
  CommandFailed: 'CommandFailed',
  /** A registry could not be reached, refused the credentials, or answered with an error. */
  RegistryError: 'RegistryError',
} as const;

export type ImageErrorCode = (typeof ImageErrorCode)[keyof typeof ImageErrorCode];

/** The one error the image code throws for bad input or a failed host step; bugs throw TypeError. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
  readonly code: ImageErrorCode;
  /** Values that explain the failure (a digest, a path), for logs. */
  readonly data: Readonly<Record<string, unknown>>;

  constructor(
    code: ImageErrorCode,
    message: string,
    data: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.data = data;
  }
}
