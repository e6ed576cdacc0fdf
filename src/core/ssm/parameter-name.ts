import { parseArn } from '../arn.ts';
import type { Scope } from '../scope.ts';
import { ssmError } from './ssm-errors.ts';

/** How deep a parameter hierarchy may go. */
export const MAX_HIERARCHY_LEVELS = 15;

const PATH_MESSAGE =
  'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

/** PutParameter's rules for names, with AWS's words for each. */
export function checkParameterName(name: string): void {
  const first = (name.startsWith('/') ? name.slice(1).split('/')[0]! : name).toLowerCase();
  if (name.startsWith('/')) {
    if (first.startsWith('aws')) {
      throw ssmError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
    }
    if (first.startsWith('ssm')) throw ssmError('ValidationException', PATH_MESSAGE);
  } else if (first.startsWith('aws') || first.startsWith('ssm')) {
    throw ssmError(
      'ValidationException',
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
    );
  }
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name) || name.includes('//') || (name.length > 1 && name.endsWith('/'))) {
    throw ssmError('ValidationException', PATH_MESSAGE);
  }
  if (name.includes('/') && !name.startsWith('/')) {
    throw ssmError('ValidationException', 'Parameter name must be a fully qualified name.');
  }
  if (name.split('/').length - 1 > MAX_HIERARCHY_LEVELS) {
    throw ssmError(
      'HierarchyLevelLimitExceededException',
      `A hierarchy can have a maximum of ${MAX_HIERARCHY_LEVELS} levels. For more information, see Requirements and Constraints for Parameter Names in the AWS Systems Manager User Guide.`,
    );
  }
}

/** `arn:aws:ssm:<region>:<account>:parameter/<name>`: a name's leading slash is not doubled. */
export function parameterArn(scope: Scope, name: string): string {
  return `arn:aws:ssm:${scope.region}:${scope.account}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

/** What a name in GetParameter(s) asks for: a parameter, in a scope, at a version or label. */
export interface ParameterRef {
  scope: Scope;
  /** Names it may be stored under: an ARN's `parameter/x` is `x` or `/x`. */
  names: string[];
  version?: number;
  label?: string;
}

/** Reads `name`, `name:3`, `name:label` or a parameter ARN (with the same selectors); undefined when it cannot name one. */
export function parseParameterRef(text: string, caller: Scope): ParameterRef | undefined {
  let scope = caller;
  let rest = text;
  let names: (base: string) => string[] = (base) => [base];
  if (text.startsWith('arn:')) {
    const arn = parseArn(text);
    if (arn?.service !== 'ssm' || !arn.resource.startsWith('parameter/')) return undefined;
    scope = { account: arn.account, region: arn.region };
    rest = arn.resource.slice('parameter'.length);
    names = (base) => (base.lastIndexOf('/') > 0 ? [base] : [base, base.slice(1)]);
  }
  const colon = rest.lastIndexOf(':');
  const base = colon < 0 ? rest : rest.slice(0, colon);
  if (base === '' || base.includes(':')) return undefined;
  const ref: ParameterRef = { scope, names: names(base) };
  if (colon >= 0) {
    const selector = rest.slice(colon + 1);
    if (/^\d+$/.test(selector)) ref.version = Number(selector);
    else if (selector !== '') ref.label = selector;
    else return undefined;
  }
  return ref;
}

/** Whether a parameter lies under a path (GetParametersByPath): one level down, or any with `recursive`. */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const full = name.startsWith('/') ? name : `/${name}`;
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!full.startsWith(prefix) || full.length === prefix.length) return false;
  return recursive || !full.slice(prefix.length).includes('/');
}

/** GetParametersByPath's and the Path filter's rule for paths, with AWS's message. */
export function checkParameterPath(path: string): void {
  const ok = path.startsWith('/') && !path.includes('//') && /^[a-zA-Z0-9_.\-/]+$/.test(path);
  if (!ok) {
    throw ssmError(
      'ValidationException',
      `The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_. Invalid parameter name: ${path}`,
    );
  }
}
