// Names and types for parameters made from literals: the flag the literal follows (`--env X` →
// `environment`, `--image X` → `image`), else what the literal looks like (a host, a version, a
// path), else the literal itself (`api`). Never a name the workflow already uses.
import type { LiteralSpot } from './literal-spots.ts';

const ENVIRONMENT_WORDS = /^(production|prod|staging|stage|development|dev|qa|test|uat|sandbox|preview)$/i;
const ENVIRONMENT_FLAGS = new Set(['env', 'environment']);

export interface NamingScope {
  /** Names that must not be taken: parameters, variables, conditions, built-ins, names templates read. */
  readonly taken: ReadonlySet<string>;
  /**
   * `environment` is free when no template reads `.environment` and nothing declares it: then a
   * parameter of that name makes `conveyor run -e ENV` set it.
   */
  readonly environmentFree: boolean;
}

export function parameterName(literal: string, spots: readonly LiteralSpot[], scope: NamingScope): string {
  const base = baseName(literal, spots, scope);
  const free = (n: string) => !scope.taken.has(n) && (n !== 'environment' || scope.environmentFree);
  if (free(base)) return base;
  const withLiteral = `${base}_${identifier(literal)}`;
  if (free(withLiteral)) return withLiteral;
  for (let i = 2; ; i++) if (free(`${withLiteral}_${i}`)) return `${withLiteral}_${i}`;
}

function baseName(literal: string, spots: readonly LiteralSpot[], scope: NamingScope): string {
  const flag = commonestFlag(spots);
  const environment = scope.environmentFree ? 'environment' : 'env';
  if (flag !== undefined) return ENVIRONMENT_FLAGS.has(flag) ? environment : identifier(flag);
  if (ENVIRONMENT_WORDS.test(literal)) return environment;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(literal)) return 'url';
  if (literal.includes('/')) return 'path';
  if (/^[A-Za-z0-9][A-Za-z0-9_.-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(literal)) return 'image';
  if (/^v?\d+(\.\d+)+([-+][A-Za-z0-9.]+)?$|^v\d+$/.test(literal)) return 'version';
  if (
    /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/.test(literal) &&
    !/\.(ya?ml|json|log|txt|sh|sql|db|gz|tar|conf)$/.test(literal)
  )
    return 'host';
  if (/^\d+$/.test(literal)) return 'number';
  return identifier(literal);
}

/**
 * The flag the literal most often is the whole value of. Flags of one or two letters (`-f`, `--to`)
 * say little, and a flag of which it is a piece says nothing (`api` in `--image api:v2` is not an image).
 */
function commonestFlag(spots: readonly LiteralSpot[]): string | undefined {
  const counts = new Map<string, number>();
  for (const s of spots) {
    if (s.flag && s.flag.length > 2 && s.shape === 'word') counts.set(s.flag, (counts.get(s.flag) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [flag, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = flag;
  return best;
}

/** A valid parameter name from any text: `my-service` → `my_service`, `8080` → `_8080`. */
export function identifier(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'value';
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** `integer` for a whole number written the way YAML and the renderer write it back; else `string`. */
export function parameterType(literal: string): 'integer' | 'string' {
  return /^[1-9][0-9]*$/.test(literal) && Number.isSafeInteger(Number(literal)) ? 'integer' : 'string';
}
