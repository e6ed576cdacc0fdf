import { ImageError } from './image-error.ts';

/**
 * Turns a tar member name into a path relative to the layer root, or refuses it. `..` is
 * refused anywhere (no image builder writes it; it only serves to escape). A leading `/` is
 * dropped, so an absolute name lands inside the layer, as Docker and containerd do.
 * Returns '' for the root itself.
 */
export function cleanEntryPath(name: string): string {
  if (name.includes('\0')) throw unsafe(name, 'contains a NUL byte');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw unsafe(name, 'contains ".."');
    parts.push(part);
  }
  return parts.join('/');
}

export function unsafe(name: string, why: string): ImageError {
  return new ImageError('UnsafePath', `Layer entry "${name}" ${why}`, { path: name });
}
