// Kubernetes resource quantities (`512Mi`, `2Gi`, `0.5`, `500m`), parsed once into millicores and bytes.

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

export type QuantityResult = { ok: true; value: number } | { ok: false; message: string };

/** Parses a quantity into its base unit (cores or bytes), as Kubernetes' resource.Quantity does. */
export function parseQuantity(input: unknown): QuantityResult {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0
      ? { ok: true, value: input }
      : { ok: false, message: `invalid quantity ${input}: expected a non-negative amount` };
  }
  if (typeof input !== 'string')
    return { ok: false, message: 'invalid quantity: expected a string such as "512Mi" or "0.5"' };
  const m =
    /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(
      input.trim(),
    );
  if (!m) {
    return {
      ok: false,
      message: `invalid quantity "${input}": expected a number with an optional suffix such as "500m", "0.5", "512Mi" or "2Gi"`,
    };
  }
  const base = Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1);
  const suffix = m[3] ?? '';
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return { ok: true, value: base * (factor as number) };
}

export function parseCpuMillis(input: unknown): QuantityResult {
  const q = parseQuantity(input);
  return q.ok ? { ok: true, value: Math.ceil(q.value * 1000 - 1e-9) } : q;
}

export function parseMemoryBytes(input: unknown): QuantityResult {
  const q = parseQuantity(input);
  return q.ok ? { ok: true, value: Math.ceil(q.value - 1e-9) } : q;
}

export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

export function formatMemory(bytes: number): string {
  for (const [suffix, size] of [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}
