import { readFileSync } from 'node:fs';
import { invalidJson, unreadablePath } from '../../common/catalogue.js';
import { lineColumn } from './json-locate.js';

/**
 * Reads a JSON file the way ADF's own tooling does: UTF-8, a leading BOM ignored (real factories carry
 * them). A file that cannot be read or parsed is bad input naming the file and, for JSON errors, the line
 * and column.
 */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadablePath(file, describeFsError(e));
  }
  return parseJsonText(text, file);
}

export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw invalidJson(`${file}${positionOf(message, body)}`, message.replace(/ in JSON at position \d+.*$/, ''));
  }
}

/** `:line:column` from V8's "at position N" (or the end of the text when the input ended early). */
function positionOf(message: string, text: string): string {
  const m = /at position (\d+)/.exec(message);
  const { line, column } = lineColumn(text, m ? Number(m[1]) : text.length);
  return `:${line}:${column}`;
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}
