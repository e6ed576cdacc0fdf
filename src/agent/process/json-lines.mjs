// Plain JavaScript, shared by the spawn worker and WorkerRunner: both ends of its protocol.

/**
 * Calls `onMessage` with each newline-terminated JSON value read from `stream`. Only the new
 * chunk is searched for a newline, so a long line (a big output) costs no more than its length.
 * @param {NodeJS.ReadableStream} stream
 * @param {(message: unknown) => void} onMessage
 */
export function readJsonLines(stream, onMessage) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    let start = 0;
    let end = chunk.indexOf('\n');
    while (end >= 0) {
      const line = partial + chunk.slice(start, end);
      partial = '';
      onMessage(JSON.parse(line));
      start = end + 1;
      end = chunk.indexOf('\n', start);
    }
    partial += chunk.slice(start);
  });
}

/**
 * Writes one message as a line of JSON.
 * @param {NodeJS.WritableStream} stream
 * @param {unknown} message
 */
export function writeJsonLine(stream, message) {
  stream.write(`${JSON.stringify(message)}\n`);
}
