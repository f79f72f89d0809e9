import { join } from 'node:path';
import { SECRET_SETTINGS, envVarFor, secretsUsedBy, type AppName } from '@warden/secrets';
import { extraEnvs } from './testing/compose';
import { CHART, helmLint, helmTemplate, kubeconform, podSpec, type K8sObject, type NetworkPolicySpec } from './testing/helm';

const MINIMAL = join(CHART, 'ci/minimal-values.yaml');
const INGRESS = join(CHART, 'ci/ingress-tls-values.yaml');
const EXTERNAL = join(CHART, 'ci/external-backends-values.yaml');
const TRIAL = join(CHART, 'ci/trial-values.yaml');
const SCALE_OUT = join(CHART, 'ci/scale-out-values.yaml');
const S3 = ['fileserver.storage.backend=s3', 'fileserver.storage.s3.bucket=artifacts'];
const KEYCLOAK = join(__dirname, 'fixtures/seed-keycloak-extra-envs.yml');
const CLEARML_CHART = join(__dirname, 'fixtures/clearml-chart-values.yaml');
const SECRET_VARS = SECRET_SETTINGS.filter((s) => s.kind === 'key' || s.kind === 'secret').map((s) => envVarFor(s.path));
const APPS: AppName[] = ['auth-gateway', 'apiserver', 'fileserver'];
const APP_PODS = { 'app.kubernetes.io/name': 'warden', 'app.kubernetes.io/instance': 'w' };

function render(files: string[], sets: string[] = []): K8sObject[] {
  const result = helmTemplate(files, sets);
  if (!result.ok) throw new Error(result.error);
  return result.objects;
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const deployment = (objects: K8sObject[], app: AppName) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `w-warden-${app}`) as K8sObject;
const container = (objects: K8sObject[], app: AppName) => podSpec(deployment(objects, app)).containers[0];
const env = (objects: K8sObject[], app: AppName) => container(objects, app).env ?? [];
const policy = (objects: K8sObject[], name: string) =>
  byKind(objects, 'NetworkPolicy').find((p) => p.metadata.name === name)?.spec as unknown as NetworkPolicySpec;

function expectClusterInternalServices(objects: K8sObject[]): void {
  for (const s of byKind(objects, 'Service')) expect([s.metadata.name, (s.spec as { type: string }).type]).toEqual([s.metadata.name, 'ClusterIP']);
}

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

  it('refuses to render without backend hosts unless the trial backends are asked for', () => {
    const result = helmTemplate([MINIMAL], ['mongo.host=']);
    expect(result.ok ? '' : result.error).toContain('mongo.host is not set');
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

  it('runs every app pod as non-root, read-only, without capabilities, probed on /health and /ready, with resources', () => {
    const objects = render([MINIMAL, INGRESS]);
    expect(byKind(objects, 'Deployment')).toHaveLength(3);
    for (const d of byKind(objects, 'Deployment')) {
      const pod = podSpec(d);
      expect([d.metadata.name, pod.securityContext?.runAsNonRoot, (pod.securityContext?.runAsUser ?? 0) > 0]).toEqual([d.metadata.name, true, true]);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect([c.livenessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.path]).toEqual(['/health', '/ready']);
        expect([d.metadata.name, c.resources?.requests?.memory, c.resources?.limits?.memory]).toEqual([
          d.metadata.name,
          expect.any(String),
          expect.any(String),
        ]);
      }
    }
  });

  it('exposes nothing outside the cluster but through the TLS ingress; only the ingress controller and Warden reach the apps', () => {
    const objects = render([MINIMAL, INGRESS]);
    expectClusterInternalServices(objects);
    expect(byKind(objects, 'NetworkPolicy')).toHaveLength(1);
    const apps = policy(objects, 'w-warden-apps');
    expect(apps.podSelector.matchLabels).toEqual(APP_PODS);
    expect(apps.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
          },
          { podSelector: { matchLabels: APP_PODS } },
        ],
        ports: expect.any(Array),
      },
    ]);
    const ingress = byKind(objects, 'Ingress')[0].spec as { tls: { secretName: string }[] };
    expect(ingress.tls).toEqual([expect.objectContaining({ secretName: 'warden-public-tls' })]);
    // The local fileserver runs one pod: a budget over it would block every node drain.
    expect(byKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['w-warden-auth-gateway', 'w-warden-apiserver']);
    expect(byKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual(['w-warden-auth-gateway', 'w-warden-apiserver']);
    expect(byKind(objects, 'PersistentVolumeClaim').map((p) => p.metadata.name)).toEqual(['w-warden-files']);
  });

  it('local file storage: one fileserver pod on its claim, replaced by Recreate (a ReadWriteOnce volume attaches to one node)', () => {
    const objects = render([MINIMAL]);
    const spec = deployment(objects, 'fileserver').spec as { replicas: number; strategy?: { type: string } };
    expect([spec.replicas, spec.strategy?.type]).toEqual([1, 'Recreate']);
    expect(container(objects, 'fileserver').volumeMounts).toContainEqual({ name: 'files', mountPath: '/var/lib/warden/files' });
    expect(env(objects, 'fileserver')).toContainEqual({ name: 'CLEARML__FILESERVER__STORAGE__PATH', value: '/var/lib/warden/files' });
    expect(env(objects, 'fileserver').map((e) => e.name)).not.toContain('CLEARML__FILESERVER__STORAGE__BACKEND');
  });

  it.each([
    ['fileserver.replicas=2', 'fileserver.replicas is 2 with fileserver.storage.backend local'],
    ['fileserver.autoscaling.enabled=true', 'fileserver.replicas is 2 with fileserver.storage.backend local'],
  ])('refuses %s on local storage: the pods would share one volume', (set, message) => {
    const result = helmTemplate([MINIMAL], [set]);
    expect(result.ok ? '' : result.error).toContain(message);
    expect(result.ok ? '' : result.error).toContain('set fileserver.storage.backend=s3');
  });

  it.each([
    [['fileserver.storage.backend=s3'], 'fileserver.storage.s3.bucket is not set'],
    [['fileserver.storage.backend=gcs'], 'fileserver.storage.backend is "gcs": use local'],
    [['mongo.host=', 'mongo.replicaSet=rs0'], 'mongo.replicaSet is set: put complete mongodb:// URLs'],
  ])('refuses %j, naming the setting', (sets, message) => {
    const result = helmTemplate([MINIMAL], sets);
    expect(result.ok ? '' : result.error).toContain(message);
  });

  it('s3 file storage: no claim, no volume, two fileservers by default under a budget, the S3 settings in the fileserver only', () => {
    const objects = render([MINIMAL], [...S3, 'fileserver.storage.s3.endpoint=https://s3.example.org', 'fileserver.storage.s3.pathStyle=true']);
    expect(byKind(objects, 'PersistentVolumeClaim')).toEqual([]);
    const spec = deployment(objects, 'fileserver').spec as { replicas: number; strategy?: unknown };
    expect([spec.replicas, spec.strategy]).toEqual([2, undefined]);
    expect(podSpec(deployment(objects, 'fileserver')).containers[0].volumeMounts?.map((m) => m.name)).toEqual(['tls', 'tmp']);
    expect(byKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toContain('w-warden-fileserver');
    const vars = env(objects, 'fileserver');
    expect(vars).toEqual(
      expect.arrayContaining([
        { name: 'CLEARML__FILESERVER__STORAGE__BACKEND', value: 's3' },
        { name: 'CLEARML__FILESERVER__STORAGE__S3__BUCKET', value: 'artifacts' },
        { name: 'CLEARML__FILESERVER__STORAGE__S3__REGION', value: 'us-east-1' },
        { name: 'CLEARML__FILESERVER__STORAGE__S3__ENDPOINT', value: 'https://s3.example.org' },
        { name: 'CLEARML__FILESERVER__STORAGE__S3__PATH_STYLE', value: 'true' },
      ]),
    );
    expect(vars.map((e) => e.name)).not.toContain('CLEARML__FILESERVER__STORAGE__PATH');
    // No key pair named: none is passed, and the AWS SDK's default provider chain finds the credentials.
    expect(vars.filter((e) => /S3__(ACCESS|SECRET)_KEY/.test(e.name))).toEqual([]);
    for (const app of ['auth-gateway', 'apiserver'] as AppName[]) expect(env(objects, app).filter((e) => e.name.includes('__STORAGE__'))).toEqual([]);
  });

  it('the production topology: replicas of every app, a MongoDB replica set and an Elasticsearch cluster from their URLs, S3 keys from a Secret', () => {
    const objects = render([SCALE_OUT]);
    for (const app of APPS) expect([app, (deployment(objects, app).spec as { replicas: number }).replicas]).toEqual([app, 3]);
    expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(3);
    expect(byKind(objects, 'PersistentVolumeClaim')).toEqual([]);
    for (const app of APPS) {
      const names = env(objects, app).map((e) => e.name);
      // The Secret's mongodb:// URLs list every member: a host override would cut them to one.
      expect([app, names.filter((n) => n.startsWith('CLEARML_MONGODB_SERVICE') || n.startsWith('CLEARML_ELASTIC_SERVICE_'))]).toEqual([app, []]);
      const hosts = env(objects, app).find((e) => e.name === 'CLEARML__HOSTS__ELASTIC__EVENTS__HOSTS')?.value ?? '[]';
      expect([app, (JSON.parse(hosts) as { host: string }[]).map((h) => h.host)]).toEqual([
        app,
        ['es-0.search.example.org', 'es-1.search.example.org', 'es-2.search.example.org'],
      ]);
    }
    const keys = env(objects, 'fileserver').filter((e) => /S3__(ACCESS|SECRET)_KEY$/.test(e.name));
    expect(keys.map((e) => [e.name, e.value, e.valueFrom?.secretKeyRef])).toEqual([
      ['CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY', undefined, { name: 'warden-s3', key: 'access_key' }],
      ['CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY', undefined, { name: 'warden-s3', key: 'secret_key' }],
    ]);
    expect(env(objects, 'fileserver')).toContainEqual({ name: 'CLEARML__FILESERVER__STORAGE__S3__PREFIX', value: 'prod' });
  });

  it("trusts a private CA's roots from a ConfigMap for the S3 store, in the fileserver only", () => {
    const objects = render([MINIMAL], [...S3, 'fileserver.storage.s3.caConfigMap=s3-roots', 'fileserver.storage.s3.caKey=roots.pem']);
    expect(env(objects, 'fileserver')).toContainEqual({ name: 'CLEARML__FILESERVER__STORAGE__S3__CA_FILE', value: '/etc/warden/s3-ca/ca.crt' });
    expect(container(objects, 'fileserver').volumeMounts).toContainEqual({ name: 's3-ca', mountPath: '/etc/warden/s3-ca', readOnly: true });
    expect(podSpec(deployment(objects, 'fileserver')).volumes).toContainEqual({
      name: 's3-ca',
      configMap: { name: 's3-roots', items: [{ key: 'roots.pem', path: 'ca.crt' }] },
    });
    for (const app of ['auth-gateway', 'apiserver'] as AppName[]) expect(podSpec(deployment(objects, app)).volumes?.map((v) => v.name)).not.toContain('s3-ca');
    // Local storage has no store to trust: the setting is ignored there.
    const local = render([MINIMAL], ['fileserver.storage.s3.caConfigMap=s3-roots']);
    expect(env(local, 'fileserver').map((e) => e.name)).not.toContain('CLEARML__FILESERVER__STORAGE__S3__CA_FILE');
  });

  it('autoscales the fileserver on s3 storage', () => {
    const objects = render([MINIMAL], [...S3, 'fileserver.autoscaling.enabled=true']);
    expect(byKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual(['w-warden-fileserver']);
    expect((deployment(objects, 'fileserver').spec as { replicas?: number }).replicas).toBeUndefined();
  });

  it('trial backends: non-root and probed, ClusterIP, reachable from the three apps only', () => {
    const objects = render([TRIAL]);
    const sets = byKind(objects, 'StatefulSet');
    expect(sets.map((s) => s.metadata.name)).toEqual(['w-warden-mongo', 'w-warden-elastic', 'w-warden-redis']);
    for (const w of [...byKind(objects, 'Deployment'), ...sets]) {
      const pod = podSpec(w);
      expect([w.metadata.name, pod.securityContext?.runAsNonRoot, (pod.securityContext?.runAsUser ?? 0) > 0]).toEqual([w.metadata.name, true, true]);
      for (const c of pod.containers) {
        expect([w.metadata.name, !!c.livenessProbe, !!c.readinessProbe, c.securityContext?.capabilities?.drop]).toEqual([w.metadata.name, true, true, ['ALL']]);
      }
    }
    for (const app of APPS) expect([app, env(objects, app).find((e) => e.name === 'CLEARML_REDIS_SERVICE_HOST')?.value]).toEqual([app, 'w-warden-redis']);
    expectClusterInternalServices(objects);
    const backends = policy(objects, 'w-warden-backends');
    expect(backends.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'warden-backend', 'app.kubernetes.io/instance': 'w' });
    // One rule admitting Warden's app pods and nothing else: no namespaceSelector, no ipBlock.
    expect(backends.ingress).toEqual([{ from: [{ podSelector: { matchLabels: APP_PODS } }], ports: expect.any(Array) }]);
    // The apps' policy, which admits the ingress controller, does not select the backends.
    for (const s of sets)
      expect((s.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels['app.kubernetes.io/name']).toBe('warden-backend');
  });

  it("external backends: their hosts and ports, credentials from the operator's Secret, nothing in-chart", () => {
    const objects = render([EXTERNAL]);
    expect(byKind(objects, 'StatefulSet')).toEqual([]);
    expect(byKind(objects, 'Secret')).toEqual([]);
    for (const app of APPS) {
      const vars = new Map(env(objects, app).map((e) => [e.name, e.value]));
      expect([app, vars.get('CLEARML_MONGODB_SERVICE_HOST'), vars.get('CLEARML_MONGODB_SERVICE_PORT')]).toEqual([app, 'mongo.prod.example.org', '27018']);
      expect([app, vars.get('CLEARML_REDIS_SERVICE_HOST'), vars.get('CLEARML_ELASTIC_SERVICE_PORT')]).toEqual([app, 'redis.prod.example.org', '9243']);
      expect([app, container(objects, app).envFrom]).toEqual([app, [{ secretRef: { name: 'warden-backend-credentials' } }]]);
    }
    expect(byKind(objects, 'NetworkPolicy')).toHaveLength(1);
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

  it('takes a values file written for ClearML’s chart unchanged: extraEnvs as written (valueFrom too), its NodePorts ignored', () => {
    const written = extraEnvs(CLEARML_CHART);
    expect(written.length).toBeGreaterThan(4);
    const objects = render([MINIMAL, CLEARML_CHART]);
    for (const app of ['auth-gateway', 'apiserver'] as AppName[]) {
      for (const entry of written) expect([app, env(objects, app).find((e) => e.name === entry.name)]).toEqual([app, entry]);
    }
    const clientSecret = env(objects, 'auth-gateway').find((e) => e.name.endsWith('keycloak__client_secret'));
    expect(clientSecret?.valueFrom?.secretKeyRef).toEqual({ name: 'keycloak-client', key: 'client_secret' });
    expect(env(objects, 'fileserver')).toEqual(expect.arrayContaining(extraEnvs(CLEARML_CHART, 'fileserver')));
    expectClusterInternalServices(objects);
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
    ['external backends', [EXTERNAL], []],
    ['trial backends and generated secrets', [TRIAL], []],
    ['the production topology (replicas, replica set, Elasticsearch cluster, S3)', [SCALE_OUT], []],
    ['s3 file storage with the default credentials chain', [MINIMAL], S3],
    ["s3 file storage with a private CA's roots", [MINIMAL], [...S3, 'fileserver.storage.s3.caConfigMap=s3-roots']],
    ["the KeyCloak page's extraEnvs", [MINIMAL, KEYCLOAK], []],
    ["a ClearML chart's values", [MINIMAL, CLEARML_CHART], []],
    ['extraEnvs keys left empty', [MINIMAL, join(__dirname, 'fixtures/empty-extra-envs.yaml')], []],
    ['generated secrets', [MINIMAL], ['secrets.existingSecret=', 'secrets.generate=true']],
  ])('lints and renders %s into objects valid against the Kubernetes 1.37 schemas', (_name, files, sets) => {
    expect(helmLint(files, sets)).toEqual({ ok: true, output: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed') });
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
