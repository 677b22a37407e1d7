import { jsonPath } from '../json-path.js';
import type { FactoryRule, PipelineRule } from './context.js';
import type { LoadedFactory } from '../types.js';

/**
 * Naming rules. Sources: ADF docs naming-rules.md and concepts-pipelines-activities.md (pipeline ≤ 140
 * characters, activity ≤ 55; must start with a letter, number or underscore; none of `. + ? / < > * % & : \`)
 * and the REST spec's name patterns in @azure/arm-datafactory 12 (`^[A-Za-z0-9_][^<>*#.%&:\\+?/]*$`, ≤ 260;
 * factory and integration runtime `^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$`, 3–63; credential ≤ 127). Dashes are not
 * allowed in linked service, dataset and data flow names (naming-rules.md).
 */

const ENTITY = /^[A-Za-z0-9_][^<>*#.%&:\\+?/]*$/;
const DASHED = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;
const FORBIDDEN = '. + ? / < > * # % & : \\';

function entityNameProblem(name: string, maxLength: number, opts: { noDash?: boolean } = {}): string | undefined {
  if (name.length > maxLength) return `is ${name.length} characters long; the maximum is ${maxLength}`;
  if (!/^[A-Za-z0-9_]/.test(name)) return 'must start with a letter, a number or an underscore';
  if (!ENTITY.test(name)) return `must not contain any of ${FORBIDDEN}`;
  if (opts.noDash && name.includes('-'))
    return 'must not contain a dash (-) in linked service, dataset and data flow names';
  return undefined;
}

export const activityNames: PipelineRule = (ctx) => {
  for (const n of ctx.nodes) {
    const why = entityNameProblem(n.activity.name, 55);
    if (why) ctx.problem('invalid-name', jsonPath(n.path, 'name'), `activity name '${n.activity.name}' ${why}`);
  }
};

export const resourceNames: FactoryRule = (factory, findings) => {
  const check = (
    kind: string,
    names: Iterable<string>,
    max: number,
    opts: { noDash?: boolean; dashed?: boolean } = {},
  ) => {
    for (const name of names) {
      const key = `${kind}/${name}`;
      const src = factory.sources.get(key);
      let why: string | undefined;
      if (opts.dashed) {
        if (name.length < 3 || name.length > max) why = `must be 3 to ${max} characters long`;
        else if (!DASHED.test(name)) why = 'may hold only letters, numbers and single dashes between them';
      } else why = entityNameProblem(name, max, opts);
      if (why) {
        findings.problems.push({
          rule: 'invalid-name',
          file: src?.file ?? factory.origin.path,
          path: jsonPath(src?.path ?? '$', 'name'),
          reason: `${kind} name '${name}' ${why}`,
          resource: key,
        });
      }
    }
  };
  check('pipeline', factory.pipelines.keys(), 140);
  check('linkedService', factory.linkedServices.keys(), 260, { noDash: true });
  check('dataset', factory.datasets.keys(), 260, { noDash: true });
  check('dataflow', factory.dataflows.keys(), 260, { noDash: true });
  check('trigger', factory.triggers.keys(), 260);
  check('credential', factory.credentials.keys(), 127);
  check('integrationRuntime', factory.integrationRuntimes.keys(), 63, { dashed: true });
  factoryName(factory, findings);
};

function factoryName(factory: LoadedFactory, findings: { problems: unknown[] }): void {
  const src = factory.sources.get('factory');
  if (!src || !factory.hasFactoryFile) return;
  const name = factory.name;
  if (name.length < 3 || name.length > 63 || !DASHED.test(name)) {
    (findings.problems as LoadedFactory['loadProblems']).push({
      rule: 'invalid-name',
      file: src.file,
      path: jsonPath(src.path, 'name'),
      reason: `factory name '${name}' must be 3 to 63 letters, numbers and single dashes between them`,
      resource: 'factory',
    });
  }
}
