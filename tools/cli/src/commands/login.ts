import type { CommandContext } from '../cli-io';
import { clientFromEnv } from '../client-from-env';
import { UsageError } from '../cli-io';

interface CurrentUser {
  user?: { id?: string; name?: string; role?: string; company?: { name?: string } };
}

export async function loginCommand({ io, args, quiet, tls }: CommandContext): Promise<void> {
  if (args.length > 0) throw new UsageError('login takes no arguments');
  const { client, config } = clientFromEnv(io, quiet, tls);
  await client.login(io.signal);
  const { user } = await client.request<CurrentUser>('users.get_current_user', {}, io.signal);
  const who = user?.name ? `${user.name}${user.id ? ` (${user.id})` : ''}` : (user?.id ?? 'unknown user');
  const role = user?.role ? `, role ${user.role}` : '';
  io.stdout.write(`logged in to ${config.apiHost} as ${who}${role}\n`);
  io.stdout.write(`access key ${config.accessKey} from ${config.source.accessKey}; fileserver ${config.filesHost}\n`);
}
