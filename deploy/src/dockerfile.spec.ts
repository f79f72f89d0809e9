import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyValues, parseDockerfile, readDockerfile, type Stage } from './dockerfile';

const root = join(__dirname, '../..');
const stages = readDockerfile(join(root, 'deploy/docker/Dockerfile'));
const final = stages.at(-1) as Stage;
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const apps = readdirSync(join(root, 'apps')).sort();

describe('deploy/docker/Dockerfile', () => {
  it('parses continuations and stages', () => {
    const parsed = parseDockerfile('FROM a:1 AS one\nRUN x \\\n  y\n# note\nFROM b:2\nUSER 1');
    expect(parsed).toEqual([
      { from: 'a:1', name: 'one', instructions: [{ keyword: 'RUN', args: 'x y', line: 2 }] },
      { from: 'b:2', name: undefined, instructions: [{ keyword: 'USER', args: '1', line: 6 }] },
    ]);
  });

  it('is multi-stage on one exact Node 20 release, never a moving tag', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const bases = new Set(stages.map((s) => s.from));
    expect(bases.size).toBe(1);
    expect([...bases][0]).toMatch(/^node:20\.\d+\.\d+-[a-z]+(-slim)?$/);
  });

  it('ships production packages only, from a stage that ran npm ci --omit=dev', () => {
    const deps = stages.find((s) => of(s, 'RUN').some((r) => /\bnpm ci\b.*--omit=dev/.test(r.args)));
    expect(deps?.name).toBeDefined();
    const copies = of(final, 'COPY').map((c) => c.args);
    expect(copies).toContainEqual(expect.stringMatching(new RegExp(`^--from=${deps?.name} \\S*node_modules `)));
    // The build stage's node_modules hold the dev tools; nothing of it but the bundles may ship.
    const build = stages.find((s) => of(s, 'RUN').some((r) => r.args.includes('nx run-many -t build')));
    const fromBuild = copies.filter((c) => c.startsWith(`--from=${build?.name} `));
    expect(fromBuild.map((c) => c.split(/\s+/)[1]).sort()).toEqual(['/src/dist/apps', '/src/package.json']);
  });

  it('builds the three apps with their own build targets and starts any of them', () => {
    const build = of(stages[0], 'RUN').find((r) => r.args.includes('nx run-many -t build'));
    expect(
      build?.args
        .match(/--projects=(\S+)/)?.[1]
        .split(',')
        .sort(),
    ).toEqual(apps);
    const entrypoint = readFileSync(join(root, 'deploy/docker/entrypoint.sh'), 'utf8');
    const cased = entrypoint
      .match(/^\s*([\w|\s-]+)\) shift ;;/m)?.[1]
      .split('|')
      .map((a) => a.trim());
    expect(cased?.sort()).toEqual(apps);
    expect(entrypoint).toMatch(/^exec node /m);
    expect(of(final, 'ENTRYPOINT')[0]?.args).toBe('["/opt/warden/bin/entrypoint.sh"]');
  });

  it('runs as a numeric non-root user, set after every RUN and COPY', () => {
    const user = of(final, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0].args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const last = final.instructions.filter((i) => i.keyword === 'RUN' || i.keyword === 'COPY' || i.keyword === 'ADD').at(-1);
    expect(user[0].line).toBeGreaterThan(last?.line ?? 0);
  });

  it('keeps the app read-only to its user: it owns only the fileserver storage (read-only root friendly)', () => {
    const all = final.instructions.map((i) => `${i.keyword} ${i.args}`);
    expect(all.filter((i) => /--chown|--chmod|\bchown\b|\bchmod\b/.test(i))).toEqual([]);
    const owned = all.flatMap((i) => [...i.matchAll(/install -d -o (\d+) -g \d+ -m 0\d+ (\S+)/g)]);
    expect(owned.map((m) => [m[1], m[2]])).toEqual([[of(final, 'USER')[0].args.split(':')[0], '/var/lib/warden/files']]);
    expect(of(final, 'VOLUME')).toEqual([]);
  });

  it('has a HEALTHCHECK on /ready and OCI labels for source and version', () => {
    const health = of(final, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0].args).toContain('CMD ["node", "/opt/warden/bin/healthcheck.mjs"]');
    expect(readFileSync(join(root, 'deploy/docker/healthcheck.mjs'), 'utf8')).toContain('/ready');
    const labels = new Map(of(final, 'LABEL').flatMap((l) => [...keyValues(l.args)]));
    expect(labels.get('org.opencontainers.image.source')).toBe('${WARDEN_SOURCE}');
    expect(labels.get('org.opencontainers.image.version')).toBe('${WARDEN_VERSION}');
    expect(labels.get('org.opencontainers.image.revision')).toBe('${WARDEN_REVISION}');
  });

  it('bakes in no secret: no secret-like ENV or ARG, no secret files in the build context', () => {
    const named = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG'));
    const names = named.flatMap((i) => [...keyValues(i.args).keys(), ...(i.args.includes('=') ? [] : [i.args.split(/\s+/)[0]])]);
    expect(names.filter((n) => /secret|password|token|key|credential/i.test(n))).toEqual([]);
    expect(stages.flatMap((s) => of(s, 'COPY')).filter((c) => /\.env|\.pem|\.warden|secret/i.test(c.args))).toEqual([]);
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['.warden', '**/.env', '**/.env.*', '**/*.pem', 'deploy/compose/.env', 'node_modules', 'dist']) {
      expect(ignored).toContain(pattern);
    }
  });
});
