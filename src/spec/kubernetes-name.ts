// How a step name looks inside Kubernetes names (Jobs are `<run>-<step>-<attempt>`): lower case,
// with anything a DNS label forbids turned into '-'. Two steps must not look the same there.
import { createHash } from 'node:crypto';

/** The longest DNS label, and the longest label value. */
export const MAX_NAME = 63;

/** Lower-cases and replaces what a DNS-1123 label forbids; never empty. */
export function dnsLabelPart(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned || 'x';
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * Joins parts into a valid name of at most 63 characters; past that, a hash of the exact inputs
 * keeps distinct inputs apart. (Validation refuses two steps that look the same in a name.)
 */
export function boundedName(parts: readonly string[]): string {
  const plain = parts.map(dnsLabelPart).join('-');
  const exact = parts.join('\u0000');
  if (plain.length <= MAX_NAME) return plain;
  const hash = shortHash(exact);
  const room = MAX_NAME - hash.length - 1;
  return `${plain.slice(0, room).replace(/-+$/, '')}-${hash}`;
}
