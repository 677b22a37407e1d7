import { inspect } from 'node:util';

/**
 * A secret value read from the workspace file, an env var or a file. The text sits in a private field and
 * every way of printing the object (`JSON.stringify`, `util.inspect`, `console.log`, template strings) shows
 * a marker instead, so a workspace logged by mistake does not leak it. Code that needs the value (seeding a
 * vault) calls `reveal()`.
 */
export class SecretText {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return SecretText.MARKER;
  }

  toString(): string {
    return SecretText.MARKER;
  }

  [inspect.custom](): string {
    return SecretText.MARKER;
  }

  static readonly MARKER = '[secret]';
}
