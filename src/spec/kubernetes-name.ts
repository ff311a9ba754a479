// How a step name looks inside Kubernetes names (Jobs are `<run>-<step>-<attempt>`): lower case,
// with anything a DNS label forbids turned into '-'. Two steps must not look the same there.

/** Lower-cases and replaces what a DNS-1123 label forbids; never empty. */
export function dnsLabelPart(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned || 'x';
}
