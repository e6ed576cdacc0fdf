import { STATUS_CODES } from 'node:http';
import type { ActionPlan } from './lb-plan.ts';

/** What ALB answers with when it answers itself, and the way its pages look. */
export const ELB_SERVER = 'awselb/2.0';

/** ALB's reason phrases for the statuses it makes (nginx's, as ALB's pages show). */
const REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Time-out',
  414: 'Request-URI Too Large',
  463: '',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? STATUS_CODES[status] ?? '';
}

/** ALB's HTML page for a status it generates, byte for byte (`502 Bad Gateway` is 122 bytes). */
export function elbPage(status: number): string {
  const title = `${status} ${reasonPhrase(status)}`.trimEnd();
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

/** A whole response ALB makes itself, head and body, as latin1 text. */
export function elbResponse(
  status: number,
  options: {
    date: string;
    close: boolean;
    contentType?: string;
    body?: string;
    extraHeaders?: string;
  },
): string {
  const body = options.body ?? elbPage(status);
  const type = options.contentType ?? 'text/html';
  const reason = reasonPhrase(status);
  return (
    `HTTP/1.1 ${status}${reason === '' ? '' : ` ${reason}`}\r\n` +
    `Server: ${ELB_SERVER}\r\nDate: ${options.date}\r\n` +
    (body === '' && status < 200 ? '' : `Content-Type: ${type}\r\n`) +
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n` +
    (options.extraHeaders ?? '') +
    `Connection: ${options.close ? 'close' : 'keep-alive'}\r\n\r\n${body}`
  );
}

type FixedResponse = Extract<ActionPlan, { type: 'fixed-response' }>;

/** A fixed-response action made ready: the body as latin1 text (UTF-8 bytes), its content type. */
export function compileFixedResponse(action: FixedResponse): {
  status: number;
  contentType: string;
  body: string;
} {
  const status = Number(action.statusCode);
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`Invalid fixed-response status code '${action.statusCode}'`);
  }
  return {
    status,
    // ALB names the charset of the type it is given; text/plain when given none.
    contentType: `${action.contentType ?? 'text/plain'}; charset=utf-8`,
    body: Buffer.from(action.messageBody ?? '', 'utf8').toString('latin1'),
  };
}
