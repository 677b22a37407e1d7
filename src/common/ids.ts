import { randomBytes, randomUUID } from 'node:crypto';

/** Identifier generation is injectable so tests can make ids predictable. */
export interface IdGenerator {
  /** A lower-case RFC 4122 v4 UUID (run ids, object ids, app ids, tenant ids). */
  uuid(): string;
  /** 32 lower-case hex characters (Key Vault secret versions). */
  hex32(): string;
}

export const randomIds: IdGenerator = {
  uuid: () => randomUUID(),
  hex32: () => randomBytes(16).toString('hex'),
};

/** Deterministic ids for tests: a counter rendered into the shapes above. */
export function sequentialIds(seed = 0): IdGenerator {
  let n = seed;
  const next = () => (++n).toString(16).padStart(32, '0');
  return {
    uuid: () => {
      const h = next();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    hex32: next,
  };
}
