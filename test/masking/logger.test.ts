import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createLogger } from '../../src/common/logger.js';
import { processSecrets, SECRET_MARKER, SecretRegistry } from '../../src/common/masking.js';
import { maskingDestination } from '../../src/common/masking-log.js';

const CANARY = 'canary-Zq7#x"y/\\z+é';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(s) } };
}

function leaks(lines: string[]): boolean {
  const all = lines.join('');
  const forms = [CANARY, JSON.stringify(CANARY).slice(1, -1), encodeURIComponent(CANARY)];
  return forms.some((f) => all.includes(f));
}

describe('log masking', () => {
  it('masks a registered secret in every field of every line, also when registered after the logger was made', () => {
    const secrets = new SecretRegistry();
    const { lines, destination } = capture();
    const logger = createLogger({ destination, secrets, level: 'debug' });
    secrets.child().register(CANARY); // a run's registry: registrations reach the server's logger
    const child = logger.child({ runId: 'r1' });
    child.info({ url: `https://api.contoso.com/x?key=${encodeURIComponent(CANARY)}` }, 'calling');
    child.warn({ deep: { nested: [{ note: `before ${CANARY} after` }] } }, 'nested');
    child.error({ err: new Error(`vault said ${CANARY}`) }, `message with ${CANARY}`);
    logger.debug(`plain message ${CANARY}`);
    logger.info({ basic: Buffer.from(`user:${CANARY}`).toString('base64') }, 'header');
    assert.equal(lines.length, 5);
    assert.ok(!leaks(lines), lines.join(''));
    const basicCore = Buffer.from(`user:${CANARY}`).toString('base64').slice(8, 20);
    assert.ok(!lines[4].includes(basicCore));
    for (const line of lines) {
      assert.ok(line.includes(SECRET_MARKER), line);
      JSON.parse(line); // still one JSON object per line
    }
  });

  it('keeps redaction of known paths and writes lines without secrets unchanged', () => {
    const secrets = new SecretRegistry();
    secrets.register(CANARY);
    const { lines, destination } = capture();
    const logger = createLogger({ destination, secrets });
    logger.info({ password: 'not-registered-but-redacted', n: 1 }, 'hello');
    assert.match(lines[0], /"password":"\[REDACTED\]"/);
    assert.match(lines[0], /"msg":"hello"/);
  });

  it('maskingDestination wraps a destination for loggers built elsewhere', () => {
    const secrets = new SecretRegistry();
    secrets.register(CANARY);
    const { lines, destination } = capture();
    const logger = pino({ base: undefined }, maskingDestination(secrets, destination));
    logger.info({ anything: CANARY });
    assert.ok(!leaks(lines));
    assert.match(lines[0], /"anything":"\*{10}"/);
  });

  it('by default a logger masks with the process registry, which every run registry made from it feeds', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination });
    const runSecrets = processSecrets.child();
    runSecrets.register('process-wide-canary-42');
    logger.info({ detail: 'seen process-wide-canary-42 here' }, 'hello');
    assert.match(lines[0], /"detail":"seen \*{10} here"/);
  });
});
