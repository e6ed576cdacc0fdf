import { Header, Pax } from 'tar';
import { type RunCommand, runCommand } from './run-command.ts';

/** A node Node.js cannot create itself: it has no mknod. */
export interface SpecialNode {
  type: 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  devmajor: number;
  devminor: number;
  mtimeMs: number;
}

export interface NodeOptions {
  /** @default spawns from this process */
  run?: RunCommand;
  signal?: AbortSignal;
}

const TAR_TYPE = { char: 'CharacterDevice', block: 'BlockDevice', fifo: 'FIFO' } as const;

/**
 * Creates device nodes and FIFOs (overlayfs whiteouts are 0/0 character devices) with one
 * GNU tar process fed a tar of just those nodes, instead of one mknod per node. Paths are
 * relative to `dir` and were checked by the caller: every parent is a real directory.
 */
export async function createSpecialNodes(
  dir: string,
  nodes: ReadonlyMap<string, SpecialNode>,
  options: NodeOptions = {},
): Promise<void> {
  if (nodes.size === 0) return;
  const blocks: Buffer[] = [];
  for (const [path, node] of nodes) {
    const data = {
      path,
      mode: node.mode,
      uid: node.uid,
      gid: node.gid,
      size: 0,
      mtime: new Date(node.mtimeMs),
      type: TAR_TYPE[node.type],
      devmaj: node.devmajor,
      devmin: node.devminor,
    };
    const header = new Header(data);
    if (header.encode()) blocks.push(new Pax({ path, mtime: data.mtime }).encode());
    blocks.push(header.block ?? Buffer.alloc(512));
  }
  blocks.push(Buffer.alloc(1024));
  const { run = runCommand, signal } = options;
  await run(
    'tar',
    ['--extract', '--file=-', `--directory=${dir}`, '--numeric-owner', '--same-owner', '--same-permissions'],
    { input: Buffer.concat(blocks), ...(signal && { signal }) },
  );
}

/**
 * Sets extended attributes (the opaque-directory marker, file capabilities) on many paths
 * with one `setfattr --restore`. `-h` keeps it from following symlinks out of the layer.
 */
export async function setExtendedAttributes(
  dir: string,
  attributes: ReadonlyMap<string, ReadonlyMap<string, Buffer>>,
  options: NodeOptions = {},
): Promise<void> {
  let dump = '';
  for (const [path, attrs] of attributes) {
    if (attrs.size === 0) continue;
    dump += `# file: ${quote(path)}\n`;
    for (const [name, value] of attrs) dump += `${quote(name)}=0s${value.toString('base64')}\n`;
    dump += '\n';
  }
  if (dump === '') return;
  const { run = runCommand, signal } = options;
  await run('setfattr', ['-h', '--restore=-'], {
    cwd: dir,
    input: Buffer.from(dump),
    ...(signal && { signal }),
  });
}

/** The escaping getfattr writes and setfattr reads back: octal for blanks, controls, `\` and `=`. */
function quote(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte <= 0x20 || byte >= 0x7f || byte === 0x5c || byte === 0x3d)
      out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}
