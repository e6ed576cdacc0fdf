import { request } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** The admin socket of a data dir. */
export const adminSocket = (dataDir: string) => join(dataDir, 'admin.sock');

export interface AdminResponse {
  status: number;
  body: unknown;
}

/**
 * Calls the running server's admin channel; undefined when no server listens on the data dir
 * (the caller then works on the data dir directly).
 */
export function callAdmin(
  dataDir: string,
  method: string,
  path: string,
  body?: Readable,
): Promise<AdminResponse | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: adminSocket(dataDir),
        method,
        path,
        headers: { 'content-type': 'application/octet-stream' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve(undefined);
      else reject(err);
    });
    if (body) body.pipe(req);
    else req.end();
  });
}
