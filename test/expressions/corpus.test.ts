import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { compile, ExpressionError, parse, references } from '../../src/adf/expressions/index.js';
import { corpusDir, corpusExpressions, corpusFiles } from './corpus.js';

const dir = corpusDir();

describe('the real-ADF corpus', { skip: dir ? false : 'corpus not found (set PIPEVAULT_CORPUS_DIR)' }, () => {
  it('every expression in every JSON file parses', () => {
    const exprs = corpusExpressions(dir!);
    assert.ok(exprs.length > 1000, `expected the corpus to hold over 1000 expressions, found ${exprs.length}`);
    const failures: string[] = [];
    for (const e of exprs) {
      try {
        const t = parse(e.text);
        references(t);
      } catch (err) {
        assert.ok(err instanceof ExpressionError, `non-ExpressionError for ${e.text}`);
        failures.push(`${relative(dir!, e.file)} ${e.path}: ${err.message}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('whole files compile (every template in them, at once)', () => {
    for (const file of corpusFiles(dir!)) {
      compile(JSON.parse(readFileSync(file, 'utf8')));
    }
  });
});
