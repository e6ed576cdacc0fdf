import { invalidPattern } from './filter-pattern-error.ts';

/** Reads a filter pattern character by character: the scanner the three pattern kinds share. */
export class PatternReader {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  skipSpace(): void {
    while (!this.done && /\s/.test(this.peek())) this.pos++;
  }

  /** Consumes `s` (after any space) if it comes next. */
  eat(s: string): boolean {
    this.skipSpace();
    if (!this.startsWith(s)) return false;
    this.pos += s.length;
    return true;
  }

  expect(s: string): void {
    if (!this.eat(s)) throw invalidPattern();
  }

  /** A `"..."` phrase, its `\"` and `\\` unescaped; the reader is on the opening quote. */
  quoted(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.done) throw invalidPattern();
      const c = this.text[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\' && (this.peek() === '"' || this.peek() === '\\')) out += this.text[this.pos++];
      else out += c;
    }
  }

  /** A `%...%` regex's source; the reader is on the opening `%`. */
  regex(): string {
    const end = this.text.indexOf('%', this.pos + 1);
    if (end < 0) throw invalidPattern();
    const source = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    if (source === '') throw invalidPattern();
    return source;
  }

  /** Characters up to whitespace or one of `stops`. */
  bare(stops: string): string {
    const start = this.pos;
    while (!this.done && !/\s/.test(this.peek()) && !stops.includes(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
}
