// `--set` values in Helm's syntax: `a=b,c=d`, lists as `{x,y}`, `\,` for a literal comma, dotted
// keys for nested mappings (`db.host=x`). Values stay strings; parameter types coerce them later.

export type SetResult = { ok: true; values: Record<string, unknown> } | { ok: false; message: string };

export function parseSetValues(inputs: readonly string[], into: Record<string, unknown> = {}): SetResult {
  const values = into;
  for (const input of inputs) {
    for (const assignment of splitUnescaped(input, ',', true)) {
      if (assignment.trim() === '') continue;
      const eq = assignment.indexOf('=');
      if (eq <= 0) return { ok: false, message: `--set ${JSON.stringify(assignment)}: expected KEY=VALUE` };
      const key = assignment.slice(0, eq).trim();
      const raw = assignment.slice(eq + 1);
      const keys = key.split('.');
      if (keys.some((k) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k))) {
        return { ok: false, message: `--set ${JSON.stringify(key)}: keys are names separated by dots` };
      }
      let target = values;
      for (const k of keys.slice(0, -1)) {
        const next = target[k];
        if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next))
          target[k] = {};
        target = target[k] as Record<string, unknown>;
      }
      if (raw.startsWith('{') && !raw.endsWith('}')) {
        // Helm's list syntax left open: taking it as the literal text would hide the typo.
        return {
          ok: false,
          message: `--set ${JSON.stringify(assignment)}: a list is written {a,b} and this one is missing '}' (did you mean ${key}=${raw}}?); write \\{ for a literal brace`,
        };
      }
      target[keys[keys.length - 1] as string] = parseValue(raw);
    }
  }
  return { ok: true, values };
}

function parseValue(raw: string): unknown {
  if (raw.startsWith('{') && raw.endsWith('}')) {
    const inner = raw.slice(1, -1);
    return inner.trim() === '' ? [] : splitUnescaped(inner, ',', false).map(unescape);
  }
  return unescape(raw);
}

/** Splits on `sep` outside braces and not after a backslash; keeps escapes for the value parser. */
function splitUnescaped(text: string, sep: string, respectBraces: boolean): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      current += c + (text[i + 1] as string);
      i++;
      continue;
    }
    if (respectBraces && c === '{') depth++;
    if (respectBraces && c === '}') depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}
