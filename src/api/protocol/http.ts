/** A request as the API sees it, independent of the HTTP server that received it. */
export interface HttpRequest {
  method: string;
  /** The path as sent, still percent-encoded, without the query. */
  path: string;
  /** The query as sent, without `?`. */
  rawQuery: string;
  query: URLSearchParams;
  /** Lowercase header names, as Node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  remoteAddress: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}
