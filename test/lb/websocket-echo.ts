import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Makes `server` a minimal WebSocket echo server (RFC 6455, node:http's upgrade event): text
 * frames come back as `echo: <text>`, a close is answered with a close. Enough to prove a proxy
 * passes the handshake and frames both ways.
 */
export function serveWebSocketEcho(server: Server, name: string): void {
  server.on('upgrade', (req, socket: Duplex) => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Backend: ${name}\r\n\r\n`,
    );
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const frame = readFrame(buf);
        if (frame === undefined) break;
        buf = buf.subarray(frame.length);
        if (frame.opcode === 1) socket.write(textFrame(`echo: ${frame.payload.toString()}`));
        else if (frame.opcode === 8) socket.end(Buffer.from([0x88, 0]));
        else if (frame.opcode === 9)
          socket.write(Buffer.concat([Buffer.from([0x8a, frame.payload.length]), frame.payload]));
      }
    });
    socket.on('error', () => socket.destroy());
  });
}

function readFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let length = buf[1]! & 0x7f;
  let pos = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    pos = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    pos = 10;
  }
  const maskAt = pos;
  if (masked) pos += 4;
  if (buf.length < pos + length) return undefined;
  const payload = Buffer.from(buf.subarray(pos, pos + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[maskAt + (i % 4)]!;
  return { opcode, payload, length: pos + length };
}

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const head =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}
