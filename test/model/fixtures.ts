import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Activity } from '../../src/adf/model/index.js';

/** Writes a small factory into a fresh temp dir: keys are relative paths, values JSON (or raw text). */
export function writeTree(files: Record<string, unknown>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pipevault-model-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A pipeline resource as ADF's git integration writes it. */
export function pipeline(name: string, activities: unknown[], extra: Record<string, unknown> = {}) {
  return { name, properties: { activities, annotations: [], ...extra } };
}

export function wait(name: string, dependsOn: string[] = [], extra: Partial<Activity> = {}) {
  return {
    name,
    type: 'Wait',
    dependsOn: dependsOn.map((a) => ({ activity: a, dependencyConditions: ['Succeeded'] })),
    userProperties: [],
    typeProperties: { waitTimeInSeconds: 1 },
    ...extra,
  };
}

export function setVariable(name: string, variableName: string, value: unknown, dependsOn: string[] = []) {
  return {
    name,
    type: 'SetVariable',
    dependsOn: dependsOn.map((a) => ({ activity: a, dependencyConditions: ['Succeeded'] })),
    typeProperties: { variableName, value },
  };
}

export function forEach(
  name: string,
  activities: unknown[],
  extra: Record<string, unknown> = {},
  dependsOn: string[] = [],
) {
  return {
    name,
    type: 'ForEach',
    dependsOn: dependsOn.map((a) => ({ activity: a, dependencyConditions: ['Succeeded'] })),
    typeProperties: { items: { value: '@pipeline().parameters.items', type: 'Expression' }, activities, ...extra },
  };
}

export function ifCondition(name: string, ifTrue: unknown[], ifFalse: unknown[] = [], dependsOn: string[] = []) {
  return {
    name,
    type: 'IfCondition',
    dependsOn: dependsOn.map((a) => ({ activity: a, dependencyConditions: ['Succeeded'] })),
    typeProperties: {
      expression: { value: '@bool(true)', type: 'Expression' },
      ifTrueActivities: ifTrue,
      ifFalseActivities: ifFalse,
    },
  };
}
