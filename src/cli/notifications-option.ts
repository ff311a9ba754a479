// `--notifications-config FILE` (or $CONVEYOR_NOTIFICATIONS_CONFIG), shared by `conveyor controller`
// and `conveyor run`: the file is read and checked before anything starts, and every problem is
// shown with its position, so a bad config stops the start instead of silently sending nothing.
import { formatDiagnostic } from '../spec/diagnostics.ts';
import { loadNotificationsConfigFile } from '../observability/notifications/config.ts';
import type { NotificationsConfig } from '../observability/notifications/config.ts';
import { UsageError } from './exit-codes.ts';

export const NOTIFICATIONS_CONFIG_ENV = 'CONVEYOR_NOTIFICATIONS_CONFIG';

export const notificationsOptionUsage = `  --notifications-config FILE
                          channels for workflows' notifications (default: $CONVEYOR_NOTIFICATIONS_CONFIG)`;

export function readNotificationsOption(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): NotificationsConfig | undefined {
  const file = flag ?? (env[NOTIFICATIONS_CONFIG_ENV] || undefined);
  if (file === undefined) return undefined;
  const loaded = loadNotificationsConfigFile(file);
  if (loaded.ok) return loaded.config;
  throw new UsageError(
    `the notifications config has problems:\n${loaded.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
  );
}
