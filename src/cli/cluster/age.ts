// Ages as kubectl prints them (45s, 12m, 3h, 2d), so the CLI's tables read like `kubectl get`.
export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '-';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (Number.isNaN(seconds)) return '-';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
