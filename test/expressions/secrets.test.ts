import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, ExpressionError, parse, type EvaluationContext } from '../../src/adf/expressions/index.js';

/**
 * Canary: an activity output holding a vault secret flows into failing expressions. The error messages (which
 * end up in activity run records and CLI output) must never carry the value.
 */
const SECRET = 'CANARY-s3cr3t-7f1e9a';
const ctx: EvaluationContext = {
  activities: { Web1: { output: { value: SECRET, nested: { value: SECRET } }, status: 'Succeeded' } },
  variables: { pw: SECRET },
};

const failing = [
  "@int(activity('Web1').output.value)",
  "@float(activity('Web1').output.value)",
  "@bool(activity('Web1').output.value)",
  "@formatDateTime(activity('Web1').output.value)",
  "@addDays(variables('pw'), 1)",
  "@json(activity('Web1').output.value)",
  "@xml(activity('Web1').output.value)",
  "@xml(concat('<a>', variables('pw'), '</b>'))",
  "@xpath(concat('<a>', variables('pw')), '/a')",
  "@base64ToString(activity('Web1').output.value)",
  "@dataUriToString(variables('pw'))",
  "@substring(variables('pw'), 5, 100)",
  "@add(variables('pw'), 1)",
  "@greater(variables('pw'), 1)",
  "@activity('Web1').output.nested.missing",
  "@activity('Web1').output.value.x",
  "@variables('pw')[0]",
  "@and(variables('pw'), true)",
  "@length(int(variables('pw')))",
  "@{activity('Web1').output.missing}",
];

describe('secret values never appear in expression errors', () => {
  for (const expr of failing) {
    it(expr, () => {
      try {
        evaluate(parse(expr), ctx);
        assert.fail(`${expr} should fail`);
      } catch (e) {
        assert.ok(e instanceof ExpressionError, String(e));
        assert.ok(!e.message.includes(SECRET), e.message);
        assert.ok(!e.message.includes('s3cr3t'), e.message);
        assert.ok(!JSON.stringify(e.toActivity()).includes(SECRET));
      }
    });
  }
});
