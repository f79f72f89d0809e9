import { join } from 'node:path';
import { SECRET_SETTINGS, envVarFor, secretsUsedBy, type AppName } from '@warden/secrets';
import { extraEnvs } from './testing/compose';
import { CHART, helmTemplate, kubeconform, podSpec, type K8sObject } from './testing/helm';

const MINIMAL = join(CHART, 'ci/minimal-values.yaml');
const INGRESS = join(CHART, 'ci/ingress-tls-values.yaml');
const KEYCLOAK = join(__dirname, 'fixtures/seed-keycloak-extra-envs.yml');
const SECRET_VARS = SECRET_SETTINGS.filter((s) => s.kind === 'key' || s.kind === 'secret').map((s) => envVarFor(s.path));
const APPS: AppName[] = ['auth-gateway', 'apiserver', 'fileserver'];

function render(files: string[], sets: string[] = []): K8sObject[] {
  const result = helmTemplate(files, sets);
  if (!result.ok) throw new Error(result.error);
  return result.objects;
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const deployment = (objects: K8sObject[], app: AppName) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `w-warden-${app}`) as K8sObject;
const env = (objects: K8sObject[], app: AppName) => podSpec(deployment(objects, app)).containers[0].env ?? [];

// The first calls build helm and kubeconform from Go modules and unpack the schemas (cached afterwards).
beforeAll(() => {
  helmTemplate([MINIMAL]);
  kubeconform('');
}, 900_000);

describe('deploy/helm/warden (rendered by helm template)', () => {
  it('refuses to render without a secret source, naming what to set: no default secret', () => {
    const result = helmTemplate([]);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain('secrets.existingSecret is not set');
  });

  it('takes every secret from the existing Secret, each app only the keys it uses', () => {
    const objects = render([MINIMAL, INGRESS]);
    expect(byKind(objects, 'Secret')).toEqual([]);
    for (const app of APPS) {
      const secretVars = env(objects, app).filter((e) => SECRET_VARS.includes(e.name));
      for (const e of secretVars) expect([app, e.name, e.value, e.valueFrom?.secretKeyRef?.name]).toEqual([app, e.name, undefined, 'warden-secrets']);
      const used = secretsUsedBy(app)
        .map((s) => envVarFor(s.path))
        .filter((v) => SECRET_VARS.includes(v));
      expect([app, secretVars.map((e) => e.name).sort()]).toEqual([app, used.sort()]);
    }
  });

  it('runs every pod as non-root, read-only, without capabilities, probed on /health and /ready', () => {
    const objects = render([MINIMAL, INGRESS]);
    expect(byKind(objects, 'Deployment')).toHaveLength(3);
    for (const d of byKind(objects, 'Deployment')) {
      const pod = podSpec(d);
      expect([d.metadata.name, pod.securityContext?.runAsNonRoot, (pod.securityContext?.runAsUser ?? 0) > 0]).toEqual([d.metadata.name, true, true]);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect([c.livenessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.path]).toEqual(['/health', '/ready']);
      }
    }
  });

  it('exposes nothing outside the cluster but through the TLS ingress, behind a NetworkPolicy', () => {
    const objects = render([MINIMAL, INGRESS]);
    for (const s of byKind(objects, 'Service')) expect([s.metadata.name, (s.spec as { type: string }).type]).toEqual([s.metadata.name, 'ClusterIP']);
    expect(byKind(objects, 'NetworkPolicy')).toHaveLength(1);
    const ingress = byKind(objects, 'Ingress')[0].spec as { tls: { secretName: string }[] };
    expect(ingress.tls).toEqual([expect.objectContaining({ secretName: 'warden-public-tls' })]);
    expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(3);
  });

  it("hands the KeyCloak page's apiserver.extraEnvs, pasted verbatim, to the gateway unchanged", () => {
    const sso = extraEnvs(KEYCLOAK);
    expect(sso).toHaveLength(14);
    const objects = render([MINIMAL, KEYCLOAK]);
    for (const app of ['auth-gateway', 'apiserver'] as AppName[]) {
      const vars = new Map(env(objects, app).map((e) => [e.name, e.value]));
      for (const { name, value } of sso) expect([app, name, vars.get(name)]).toEqual([app, name, value]);
    }
    expect(env(objects, 'fileserver').map((e) => e.name)).not.toContain(sso[0].name);
  });

  it('generates secrets only when asked, for trials', () => {
    const objects = render([MINIMAL], ['secrets.existingSecret=', 'secrets.generate=true']);
    const [secret] = byKind(objects, 'Secret') as (K8sObject & { data: Record<string, string> })[];
    expect(Object.keys(secret.data).sort()).toEqual([...SECRET_VARS].sort());
    for (const [name, value] of Object.entries(secret.data)) {
      expect([name, Buffer.from(value, 'base64').length >= (name.endsWith('_KEY') ? 30 : 50)]).toEqual([name, true]);
    }
  });

  it.each([
    ['minimal', [MINIMAL], []],
    ['ingress with TLS and autoscaling', [MINIMAL, INGRESS], []],
    ["the KeyCloak page's extraEnvs", [MINIMAL, KEYCLOAK], []],
    ['generated secrets', [MINIMAL], ['secrets.existingSecret=', 'secrets.generate=true']],
  ])('renders %s into objects valid against the Kubernetes 1.37 schemas', (_name, files, sets) => {
    const result = helmTemplate(files, sets);
    expect(result.ok).toBe(true);
    const validation = kubeconform(result.ok ? result.text : '');
    expect(validation.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
    expect(validation.ok).toBe(true);
  });

  it('has a validator that rejects a malformed object', () => {
    const result = helmTemplate([MINIMAL]);
    const broken = (result.ok ? result.text : '').replace('runAsNonRoot: true', 'runAsNonRoot: "yes"');
    const validation = kubeconform(broken);
    expect(validation.ok).toBe(false);
    expect(validation.output).toContain("at '/spec/template/spec/securityContext/runAsNonRoot'");
  });
});
