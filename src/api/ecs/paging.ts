import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { decodeToken, pageSize } from '../protocol/pagination.ts';

/** ECS's list operations: `maxResults` between 1 and `max`, and its wording for bad tokens. */
export function ecsPage<T>(
  input: { maxResults?: number | undefined; nextToken?: string | undefined },
  valid: (v: unknown) => v is T,
  max = 100,
): { limit: number; after: T | undefined } {
  const limit = pageSize(input.maxResults, { max }, () =>
    ecsError('InvalidParameterException', `maxResults must be between 1 and ${max}.`),
  );
  const after = decodeToken(input.nextToken, valid, () =>
    ecsError('InvalidParameterException', 'Invalid nextToken.'),
  );
  return { limit, after };
}
