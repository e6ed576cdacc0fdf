/** Calls `onMessage` with each newline-terminated JSON value read from `stream`. */
export function readJsonLines(stream: NodeJS.ReadableStream, onMessage: (message: unknown) => void): void;

/** Writes one message as a line of JSON. */
export function writeJsonLine(stream: NodeJS.WritableStream, message: unknown): void;
