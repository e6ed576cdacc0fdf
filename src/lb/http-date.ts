/** The IMF-fixdate of `ms`, made once per second however many responses ask for it. */
export class HttpDate {
  #second = -1;
  #text = '';

  constructor(private readonly now: () => number = Date.now) {}

  get(): string {
    const ms = this.now();
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#text = new Date(second * 1000).toUTCString();
    }
    return this.#text;
  }
}
