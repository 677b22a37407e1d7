import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFactorySync, validate } from '../../src/adf/model/index.js';
import { isPipevaultError } from '../../src/common/errors.js';

/** Activity-ish JSON: names from a small pool (so duplicates, cycles and references happen), random shapes. */
const name = fc.constantFrom('A', 'B', 'c', 'C', 'Loop', 'If', 'x.y', '');
const template = fc.oneof(
  fc.constantFrom(
    "@activity('A').output",
    "@variables('v')",
    '@pipeline().parameters.p',
    "@{activity('B')}",
    '@concat(',
    '@@x',
    'plain',
  ),
  fc.string({ maxLength: 12 }),
);
const activity: fc.Memo<unknown> = fc.memo((depth) =>
  fc.record(
    {
      name: fc.oneof(name, fc.integer()),
      type: fc.constantFrom(
        'Wait',
        'SetVariable',
        'AppendVariable',
        'ForEach',
        'Until',
        'IfCondition',
        'Switch',
        'Validation',
        'ExecutePipeline',
        42,
      ),
      state: fc.constantFrom('Active', 'Inactive'),
      dependsOn: fc.oneof(
        fc.array(
          fc.record({
            activity: name,
            dependencyConditions: fc.array(fc.constantFrom('Succeeded', 'failed', 'Nope'), { maxLength: 2 }),
          }),
          { maxLength: 3 },
        ),
        fc.constant('not-an-array'),
      ),
      policy: fc.record(
        {
          timeout: fc.oneof(template, fc.constant('0.0:10:00')),
          retry: fc.oneof(fc.integer({ min: -1, max: 3 }), template),
        },
        { requiredKeys: [] },
      ),
      typeProperties: fc.record(
        {
          variableName: fc.oneof(name, fc.constant('v')),
          value: template,
          batchCount: fc.oneof(fc.integer({ min: -1, max: 60 }), template),
          isSequential: fc.oneof(fc.boolean(), fc.constantFrom('true', 'False')),
          expression: template,
          pipeline: fc.record({ referenceName: name, type: fc.constant('PipelineReference') }),
          activities: depth > 0 ? fc.array(activity(depth - 1), { maxLength: 3 }) : fc.constant([]),
          ifTrueActivities: depth > 0 ? fc.array(activity(depth - 1), { maxLength: 2 }) : fc.constant([]),
          cases:
            depth > 0
              ? fc.array(
                  fc.record({
                    value: fc.string({ maxLength: 3 }),
                    activities: fc.array(activity(depth - 1), { maxLength: 2 }),
                  }),
                  { maxLength: 2 },
                )
              : fc.constant([]),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['name', 'type'] },
  ),
);

test('robustness: loading and validating arbitrary pipeline-shaped JSON never crashes; every finding names file, path and reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipevault-fuzz-'));
  try {
    fc.assert(
      fc.property(
        fc.array(activity(3), { maxLength: 6 }),
        fc.dictionary(
          fc.constantFrom('v', 'V', 'list'),
          fc.record({ type: fc.constantFrom('String', 'array', 'Boolean', 'Object') }),
        ),
        (activities, variables) => {
          const file = join(dir, 'P.json');
          writeFileSync(
            file,
            JSON.stringify({ name: 'P', properties: { activities, variables, parameters: { p: { type: 'string' } } } }),
          );
          let findings;
          try {
            findings = validate(loadFactorySync(file));
          } catch (e) {
            assert.ok(isPipevaultError(e), String(e));
            return;
          }
          for (const p of [...findings.problems, ...findings.warnings]) {
            assert.ok(p.file && p.path.startsWith('$') && p.reason && p.rule, JSON.stringify(p));
          }
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
