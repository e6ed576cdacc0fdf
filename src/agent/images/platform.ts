/** The os/architecture pair an image is built for, as OCI indexes name it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

const GOARCH: Partial<Record<NodeJS.Architecture, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** This machine's platform in Go's (and so OCI's) words: Node's `x64` is `amd64`. */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: GOARCH[process.arch] ?? process.arch };
}

/** True when an image for `candidate` runs on `wanted`; an absent variant matches any. */
export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  if (candidate.variant === undefined || wanted.variant === undefined) return true;
  return candidate.variant === wanted.variant;
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}
