import type { Logger } from 'pino';
import type { HttpDate } from './http-date.ts';
import type { StickinessCookies } from './stickiness-cookies.ts';
import type { TraceIds } from './trace-id.ts';

/** What every listener of a data plane shares. */
export interface LbServices {
  readonly dates: HttpDate;
  readonly traces: TraceIds;
  readonly cookies: StickinessCookies;
  readonly now: () => number;
  /** In [0, 1), for weighted forwards. */
  readonly random: () => number;
  readonly log: Logger;
}
