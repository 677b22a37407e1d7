import type { ActivityRunError } from '../../storage/runs-records.js';

/** A mocked activity result: `pipevault.json` `mocks` or `--mocks FILE`. */
export interface ActivityMock {
  status?: 'Succeeded' | 'Failed';
  /** May hold expressions, evaluated in the activity's own context (`@item()` inside a ForEach). */
  output?: unknown;
  error?: Partial<ActivityRunError>;
}

/** Keys are `Activity` or `Pipeline/Activity`; the pipeline-qualified key wins. */
export type MockMap = Record<string, ActivityMock>;

export function findMock(
  mocks: MockMap | undefined,
  pipelineName: string,
  activityName: string,
): ActivityMock | undefined {
  if (!mocks) return undefined;
  const qualified = `${pipelineName}/${activityName}`;
  if (Object.hasOwn(mocks, qualified)) return mocks[qualified];
  if (Object.hasOwn(mocks, activityName)) return mocks[activityName];
  const q = qualified.toLowerCase();
  const a = activityName.toLowerCase();
  let byName: ActivityMock | undefined;
  for (const [k, v] of Object.entries(mocks)) {
    const kl = k.toLowerCase();
    if (kl === q) return v;
    if (kl === a) byName = v;
  }
  return byName;
}

/** Checks a mock map's shape; returns problems as `path: reason`. */
export function validateMocks(mocks: unknown, where: string): string[] {
  if (mocks === null || typeof mocks !== 'object' || Array.isArray(mocks))
    return [`${where}: must be an object of activity name → {status, output, error}`];
  const problems: string[] = [];
  for (const [k, v] of Object.entries(mocks as Record<string, unknown>)) {
    const p = `${where}["${k}"]`;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${p}: must be an object {status, output, error}`);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (!['status', 'output', 'error'].includes(key))
        problems.push(`${p}.${key}: unknown key (allowed: status, output, error)`);
    }
    const status = (v as ActivityMock).status;
    if (status !== undefined && status !== 'Succeeded' && status !== 'Failed') {
      problems.push(`${p}.status: must be "Succeeded" or "Failed"`);
    }
  }
  return problems;
}
