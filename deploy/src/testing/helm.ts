import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './compose';

export const CHART = join(ROOT, 'deploy/helm/warden');

export interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface Container {
  name: string;
  env?: EnvVar[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  envFrom?: { secretRef?: { name: string } }[];
}

export interface NetworkPolicySpec {
  podSelector: { matchLabels: Record<string, string> };
  ingress: { from: Record<string, unknown>[]; ports?: unknown[] }[];
}

export interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: Array<{ name: string } & Record<string, unknown>>;
}

export type RenderResult = { ok: true; objects: K8sObject[]; text: string } | { ok: false; error: string };

const valuesArgs = (valuesFiles: readonly string[], sets: readonly string[]) => [
  ...valuesFiles.flatMap((f) => ['-f', f]),
  ...sets.flatMap((s) => ['--set', s]),
];

/** `helm template` (tools/deploy/helm.sh) with values files given in order; the objects rendered. */
export function helmTemplate(valuesFiles: readonly string[], sets: readonly string[] = []): RenderResult {
  const args = [join(ROOT, 'tools/deploy/helm.sh'), 'template', 'w', CHART, ...valuesArgs(valuesFiles, sets)];
  try {
    const text = execFileSync('bash', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
    const objects = parseAllDocuments(text)
      .map((d) => d.toJSON() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    return { ok: true, objects, text };
  } catch (err) {
    return { ok: false, error: String((err as { stderr?: string }).stderr ?? err) };
  }
}

export function podSpec(deployment: K8sObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

/** Runs a tools/deploy script; its output, and whether it exited 0. */
function runTool(script: string, args: readonly string[], input = ''): { ok: boolean; output: string } {
  try {
    const output = execFileSync('bash', [join(ROOT, 'tools/deploy', script), ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** `helm lint --strict` of the chart with these values. */
export function helmLint(valuesFiles: readonly string[], sets: readonly string[] = []): { ok: boolean; output: string } {
  return runTool('helm.sh', ['lint', '--strict', CHART, ...valuesArgs(valuesFiles, sets)]);
}

/** Validates manifests against the Kubernetes JSON schemas, offline (tools/deploy/kubeconform.sh). */
export function kubeconform(manifests: string): { ok: boolean; output: string } {
  return runTool('kubeconform.sh', ['-'], manifests);
}
