import { readJsonFile } from '../json-file.js';
import { issuesToProblems } from '../schemas.js';
import { mocksSchema, type MockJson } from './schema.js';
import { badInput } from '../../../common/catalogue.js';

export type Mock = MockJson;

/**
 * A `--mocks FILE`: the same map as the workspace file's `mocks` key (`{"Activity" | "Pipeline/Activity":
 * {status, output, error}}`), checked with the same schema.
 */
export function loadMocksFile(file: string): Record<string, Mock> {
  const parsed = mocksSchema.safeParse(readJsonFile(file));
  if (!parsed.success) {
    const [first] = issuesToProblems(parsed.error, { file, basePath: '$', rule: 'mocks-schema' });
    throw badInput(first!.reason, `${file}: ${first!.path}`);
  }
  return parsed.data;
}

/** The mock for an activity: `Pipeline/Activity` wins over `Activity`. */
export function findMock(mocks: Record<string, Mock>, pipeline: string, activity: string): Mock | undefined {
  return mocks[`${pipeline}/${activity}`] ?? mocks[activity];
}
