import { ssmError } from '../../core/ssm/ssm-errors.ts';
import { decodeToken, isString } from '../protocol/pagination.ts';

/** The name after which a page starts, from an SSM NextToken. */
export function afterName(token: string | undefined): string | undefined {
  return decodeToken(token, isString, () =>
    ssmError('InvalidNextToken', 'The specified token is not valid.'),
  );
}
