// Runs an Argo CD health.lua the way Argo CD does (Lua 5.1, the object as the global `obj`) with the
// real `lua5.1` interpreter, and returns the health it computes.
import { spawnSync } from 'node:child_process';

/** A Lua table constructor for a JSON value (strings escaped for Lua's long-string-free syntax). */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${luaLiteral(k)}] = ${luaLiteral(v)}`)
    .join(', ')}}`;
}

export function hasLua(): boolean {
  return spawnSync('lua5.1', ['-v'], { encoding: 'utf8' }).status === 0;
}

export function evaluateHealth(healthLua: string, object: unknown): { status: string; message: string } {
  const program = `obj = ${luaLiteral(object)}\nlocal check = assert(loadfile(${luaLiteral(healthLua)}))\nlocal hs = check()\nio.write(hs.status, "\\t", hs.message or "")\n`;
  const r = spawnSync('lua5.1', ['-'], { input: program, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lua5.1 failed: ${r.stderr}`);
  const [status = '', message = ''] = r.stdout.split('\t');
  return { status, message };
}
