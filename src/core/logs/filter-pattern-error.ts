/** A filter pattern CloudWatch Logs would refuse; the message is AWS's (InvalidParameterException). */
export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}

/** AWS's words for a term that must be quoted: `Invalid character(s) in term '!('`. */
export const invalidTerm = (term: string): FilterPatternError =>
  new FilterPatternError(`Invalid filter pattern: Invalid character(s) in term '${term}'`);

export const invalidPattern = (): FilterPatternError => new FilterPatternError('Invalid filter pattern');
