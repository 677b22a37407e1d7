import type { Mock } from '../model/workspace/mocks.js';

/**
 * Mocked activity results: `pipevault.json` `mocks` or `--mocks FILE` (shape and checks live with the workspace
 * model). Keys are `Activity` or `Pipeline/Activity`; outputs may hold expressions, evaluated in the activity's
 * own context.
 */
export type ActivityMock = Mock;
export type MockMap = Record<string, ActivityMock>;
export { findMock } from '../model/workspace/mocks.js';
