/**
 * Text as XML 1.0 element content: markup characters escaped, carriage returns kept as
 * references (a parser would fold them into newlines), and the characters XML 1.0 cannot
 * carry at all (most C0 controls, lone surrogates) replaced by U+FFFD.
 */
export function xmlText(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to replace.
  return s.replace(/[&<>\r]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/gu, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '\r':
        return '&#xD;';
      default:
        // With the `u` flag a well-formed surrogate pair is one code point and never matches.
        return '\ufffd';
    }
  });
}

/** An attribute value in double quotes. */
export const xmlAttribute = (s: string): string => xmlText(s).replace(/"/g, '&quot;');
