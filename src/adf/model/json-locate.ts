/**
 * Finds where a JSON path (as `jsonPath` prints it: `$.a.b[2]['x y']`) points in a JSON text, as a 1-based
 * line and column, so findings can be shown as `file:line:column`. Returns the deepest position it can reach
 * when the path goes further than the text (or the text is not JSON).
 */
export function locate(text: string, path: string): { line: number; column: number } {
  const offset = offsetOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, parsePath(path));
  return lineColumn(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, offset);
}

export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3]!.replace(/\\(.)/g, '$1'));
  }
  return out;
}

function offsetOf(text: string, segments: (string | number)[]): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const skipString = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  const readString = (): string => {
    const start = i;
    skipString();
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return '';
    }
  };
  const skipValue = () => {
    ws();
    const c = text[i];
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      while (i < text.length) {
        const d = text[i];
        if (d === '"') {
          skipString();
          continue;
        }
        if (d === '{' || d === '[') depth++;
        if (d === '}' || d === ']') depth--;
        i++;
        if (depth === 0) return;
      }
      return;
    }
    while (i < text.length && !/[,}\]\s]/.test(text[i]!)) i++;
  };
  ws();
  let at = i;
  for (const seg of segments) {
    ws();
    if (typeof seg === 'number' && text[i] === '[') {
      i++;
      for (let k = 0; ; k++) {
        ws();
        if (text[i] === ']' || i >= text.length) return at;
        if (k === seg) break;
        skipValue();
        ws();
        if (text[i] === ',') i++;
      }
    } else if (typeof seg === 'string' && text[i] === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] !== '"') return at;
        const keyAt = i;
        const key = readString();
        ws();
        if (text[i] === ':') i++;
        ws();
        if (key === seg) {
          at = keyAt;
          break;
        }
        skipValue();
        ws();
        if (text[i] === ',') i++;
      }
      continue;
    } else return at;
    at = i;
  }
  return at;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Adds `line` and `column` to each finding whose file can be read (each file is read once). */
export function locateFindings<T extends { file: string; path: string; line?: number; column?: number }>(
  findings: T[],
  read: (file: string) => string | undefined,
): T[] {
  const texts = new Map<string, string | undefined>();
  return findings.map((f) => {
    if (!texts.has(f.file)) texts.set(f.file, read(f.file));
    const text = texts.get(f.file);
    return text === undefined ? f : { ...f, ...locate(text, f.path) };
  });
}
