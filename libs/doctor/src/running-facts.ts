import type { ResolvedConfig } from '@warden/config';
import type { AppName } from '@warden/secrets';
import type { AppFacts, Facts } from './facts';

/** The configuration an app resolves here (files, environment, defaults), as it would serve with it. */
export function runningFacts(app: AppName, resolved: Pick<ResolvedConfig, 'get' | 'mode'>): Facts {
  const facts: AppFacts = {
    app,
    where: `${app}'s running config`,
    mode: resolved.mode,
    get: (path) => {
      const value = resolved.get(path);
      return value === undefined || value === null ? undefined : { value };
    },
  };
  return { input: `the running config of ${app}`, apps: [facts], findings: [] };
}

/** The backing-service ports a config names (hosts.*), for the reachability probe. */
export function backendPorts(resolved: Pick<ResolvedConfig, 'get'>): number[] {
  const ports = new Set<number>();
  const text = JSON.stringify(resolved.get('hosts') ?? {});
  for (const m of text.matchAll(/mongodb(?:\+srv)?:\/\/(?:[^@/"]*@)?[^/:"]+:(\d+)/g)) ports.add(Number(m[1]));
  for (const m of text.matchAll(/"port":(\d+)/g)) ports.add(Number(m[1]));
  return [...ports];
}
