import type { ActionPlan } from './lb-plan.ts';

type Redirect = Extract<ActionPlan, { type: 'redirect' }>;

/** The parts of the request a redirect may reuse. */
export interface RedirectSource {
  /** `http` or `https`. */
  readonly protocol: string;
  /** Without the port. */
  readonly host: string;
  /** The listener's port. */
  readonly port: number;
  /** With its leading `/`. */
  readonly path: string;
  /** Without the `?`. */
  readonly query: string;
}

/**
 * The Location of a redirect action: each component with ELB's `#{protocol}`, `#{host}`,
 * `#{port}`, `#{path}` (the path without its leading `/`) and `#{query}` put in. ALB always writes
 * the port, and no `?` when the query comes out empty.
 */
export function redirectLocation(action: Redirect, source: RedirectSource): string {
  const fill = (template: string) =>
    template.replace(/#\{(protocol|host|port|path|query)\}/g, (_, key: string) => {
      switch (key) {
        case 'protocol':
          return source.protocol;
        case 'host':
          return source.host;
        case 'port':
          return String(source.port);
        case 'path':
          return source.path.slice(1);
        default:
          return source.query;
      }
    });
  const protocol = fill(action.protocol).toLowerCase();
  const host = fill(action.host);
  const port = fill(action.port);
  let path = fill(action.path);
  if (!path.startsWith('/')) path = `/${path}`;
  const query = fill(action.query);
  return `${protocol}://${host}:${port}${path}${query === '' ? '' : `?${query}`}`;
}

export function redirectStatus(action: Redirect): 301 | 302 {
  return action.statusCode === 'HTTP_301' ? 301 : 302;
}
