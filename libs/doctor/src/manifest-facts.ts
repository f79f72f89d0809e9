import { parseAllDocuments } from 'yaml';
import { isSecretPath, type AppName } from '@warden/secrets';
import type { Finding } from './checks';
import { DoctorInputError } from './compose-facts';
import { settingsFromEnv, type AppFacts, type Facts, type Setting } from './facts';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  envFrom?: { secretRef?: { name: string } }[];
  ports?: { hostPort?: number; containerPort: number }[];
}
interface PodSpec {
  hostNetwork?: boolean;
  containers: Container[];
}
interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const APPS: readonly AppName[] = ['auth-gateway', 'apiserver', 'fileserver'];
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** A rendered manifest (`helm template ...`, `kubectl get -o yaml`): several YAML documents. */
export function manifestFacts(text: string, input: string): Facts {
  const objects = parseAllDocuments(text)
    .map((d) => d.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => !!o && typeof o.kind === 'string');
  if (objects.length === 0) throw new DoctorInputError(`${input} holds no Kubernetes object`);
  const secrets = secretValues(objects);
  const apps: AppFacts[] = [];
  const backendPods: { name: string; labels: Record<string, string>; pod: PodSpec }[] = [];
  for (const o of objects.filter((o) => WORKLOADS.has(o.kind))) {
    const template = (o.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } }).template;
    if (!template) continue;
    const app = template.spec.containers.map((c) => ({ c, app: appOf(c) })).find((x) => x.app);
    if (app?.app) apps.push(manifestApp(`${o.kind} ${o.metadata.name}`, app.app, app.c, secrets));
    else backendPods.push({ name: `${o.kind} ${o.metadata.name}`, labels: template.metadata?.labels ?? {}, pod: template.spec });
  }
  return { input, apps, findings: [...exposures(objects, backendPods), ...ingressTls(objects)] };
}

function appOf(container: Container): AppName | undefined {
  return APPS.find((app) => container.args?.[0] === app || container.command?.includes(app) || container.name === app);
}

/** Values of the Secrets the manifest itself carries (a trial's generated set), by `name/key`. */
function secretValues(objects: K8sObject[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const o of objects.filter((o) => o.kind === 'Secret')) {
    for (const [key, value] of Object.entries(o.data ?? {})) values.set(`${o.metadata.name}/${key}`, Buffer.from(value, 'base64').toString('utf8'));
    for (const [key, value] of Object.entries(o.stringData ?? {})) values.set(`${o.metadata.name}/${key}`, value);
  }
  return values;
}

function manifestApp(where: string, app: AppName, container: Container, secrets: Map<string, string>): AppFacts {
  const env = new Map<string, Setting>();
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const carried = ref && secrets.get(`${ref.name}/${ref.key}`);
    env.set(e.name, carried !== undefined ? { value: carried } : e.valueFrom ? { referenced: true } : { value: e.value ?? '', inline: true });
  }
  const get = settingsFromEnv(env);
  // A secret not named in env may come whole from a Secret through envFrom: unseen, not missing.
  const fromSecrets = (container.envFrom ?? []).some((e) => e.secretRef);
  return {
    app,
    where,
    mode: env.get('NODE_ENV')?.value as string | undefined,
    get: (path) => get(path) ?? (fromSecrets && isSecretPath(path) ? { referenced: true } : undefined),
  };
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

function exposures(objects: K8sObject[], backends: { name: string; labels: Record<string, string>; pod: PodSpec }[]): Finding[] {
  const findings: Finding[] = [];
  const services = objects.filter((o) => o.kind === 'Service');
  const backendServices = new Set<string>();
  for (const b of backends) {
    const hostPorts = b.pod.containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => p.hostPort));
    if (b.pod.hostNetwork) findings.push({ check: 'backing-services', ok: false, detail: `${b.name} runs on the node's network` });
    if (hostPorts.length) findings.push({ check: 'backing-services', ok: false, detail: `${b.name} opens host ports ${hostPorts.join(', ')}` });
    for (const s of services.filter((s) => selects((s.spec as { selector?: Record<string, string> }).selector, b.labels))) {
      backendServices.add(s.metadata.name);
      const spec = s.spec as { type?: string; externalIPs?: string[] };
      const outside = (spec.type && spec.type !== 'ClusterIP') || spec.externalIPs?.length;
      findings.push({
        check: 'backing-services',
        ok: !outside,
        detail: `Service ${s.metadata.name} (${b.name}) is ${outside ? `reachable from outside the cluster (${spec.type ?? 'externalIPs'})` : 'ClusterIP'}`,
      });
    }
    if (!b.pod.hostNetwork && !hostPorts.length) findings.push({ check: 'backing-services', ok: true, detail: `${b.name} opens no host port` });
  }
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    const named = JSON.stringify(ingress.spec ?? {}).match(/"service":\{"name":"([^"]+)"/g) ?? [];
    for (const ref of named.map((n) => n.replace(/.*"name":"/, '').replace(/"$/, '')).filter((n) => backendServices.has(n))) {
      findings.push({ check: 'backing-services', ok: false, detail: `Ingress ${ingress.metadata.name} routes to ${ref}` });
    }
  }
  return findings;
}

function ingressTls(objects: K8sObject[]): Finding[] {
  return objects
    .filter((o) => o.kind === 'Ingress')
    .map((o) => {
      const tls = (o.spec as { tls?: unknown[] }).tls ?? [];
      return { check: 'tls', ok: tls.length > 0, detail: `Ingress ${o.metadata.name} ${tls.length ? 'serves https' : 'serves plain http'}` };
    });
}
