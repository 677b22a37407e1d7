import { statSync } from 'node:fs';
import { join } from 'node:path';
import { badInput, unreadablePath } from '../../../common/catalogue.js';
import { readJsonFile } from '../json-file.js';
import { isArmParametersFile, isArmTemplate, loadArmTemplate } from './arm.js';
import { isGitFactoryFolder, loadGitFolder } from './git.js';
import { isPipelineJson, loadPipelineFile } from './pipeline-file.js';
import type { LoadedFactory } from '../types.js';

export interface LoadFactoryOptions {
  /** For ARM templates: an ARM parameters file whose values are applied (`--template-parameters FILE`). */
  templateParameters?: string;
  /** Overrides the factory name found in the files (a workspace file's `factory.name`). */
  factoryName?: string;
}

/**
 * Loads a factory from what `path` names: an ADF git folder, a folder holding `ARMTemplateForFactory.json`,
 * an ARM template file, or one pipeline JSON file. Unreadable paths, invalid JSON and layouts that are none of
 * these throw bad-input errors naming the file; resources that fail their schema are left out of the model
 * and listed in `loadProblems` (validation reports them).
 */
export function loadFactorySync(path: string, opts: LoadFactoryOptions = {}): LoadedFactory {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw unreadablePath(path, 'no such file or directory');
  }
  if (isDir) {
    if (isGitFactoryFolder(path)) return loadGitFolder(path, opts);
    const arm = join(path, 'ARMTemplateForFactory.json');
    if (isFile(arm)) return loadArmTemplate(arm, readJsonFile(arm), opts);
    throw badInput(
      'not an ADF factory folder: expected ADF git folders (factory/, pipeline/, dataset/, linkedService/, trigger/ …) or ARMTemplateForFactory.json',
      path,
    );
  }
  const json = readJsonFile(path);
  if (isArmTemplate(json)) return loadArmTemplate(path, json, opts);
  if (isPipelineJson(json)) return loadPipelineFile(path, json, opts);
  if (isArmParametersFile(json)) {
    throw badInput(
      'this is an ARM parameters file; load the template and pass this file with --template-parameters',
      path,
    );
  }
  throw badInput(
    'not a pipeline ({"name", "properties": {"activities": […]}}) nor an ARM template ({"resources": […]})',
    path,
  );
}

/** `loadFactorySync` for callers that await; loading reads local files only. */
export async function loadFactory(path: string, opts: LoadFactoryOptions = {}): Promise<LoadedFactory> {
  return loadFactorySync(path, opts);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
