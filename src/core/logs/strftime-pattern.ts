/**
 * Docker's awslogs driver turns `awslogs-datetime-format` (strftime) into a regular expression
 * with this table; any other `%x` becomes nothing, and the rest of the format is taken as regex
 * text, as Docker does.
 */
const STRFTIME_TO_REGEX: Readonly<Record<string, string>> = {
  '%a': '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)',
  '%A': '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)',
  '%w': '[0-6]',
  '%d': '(?:0[1-9]|[1,2][0-9]|3[0,1])',
  '%b': '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)',
  '%B': '(?:January|February|March|April|May|June|July|August|September|October|November|December)',
  '%m': '(?:0[1-9]|1[0-2])',
  '%Y': '\\d{4}',
  '%y': '\\d{2}',
  '%H': '(?:[0,1][0-9]|2[0-3])',
  '%I': '(?:0[0-9]|1[0-2])',
  '%p': '[A,P]M',
  '%M': '[0-5][0-9]',
  '%S': '[0-5][0-9]',
  '%f': '\\d{6}',
  '%z': '[+-]\\d{4}',
  '%Z': '[A-Z]{1,4}T',
  '%j': '(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])',
  '%L': '\\.\\d{3}',
};

/** The multiline start pattern of a strftime format, as Docker builds it (matched anywhere in a line, not anchored). */
export function strftimeToRegexSource(format: string): string {
  return format.replace(/%./g, (seq) => STRFTIME_TO_REGEX[seq] ?? '');
}
