import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { readDockerfile, type Instruction, type Stage } from '../dockerfile';
import { ROOT } from './compose';

export const DOCKERFILE = join(ROOT, 'deploy/docker/Dockerfile');

/** The image's filesystem below its WORKDIR, built here from the Dockerfile's own instructions. */
export interface ImageLayout {
  root: string;
  /** The image's WORKDIR (/opt/warden), which `root` stands for. */
  workdir: string;
  /** The build stage's RUN commands this layout ran (they must be the Dockerfile's). */
  ran: string[];
}

const workdirOf = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/**
 * Follows the final stage's COPY instructions into `target`, without Docker: files from the build
 * context are copied from the repository; a stage that copied the whole context and ran its RUN
 * commands (the build stage) is the repository after running those same commands here; a stage that
 * ran `npm ci --omit=dev` is the production packages of the lock file (`npm ls --omit=dev`), hard-linked
 * from node_modules rather than installed again. Any other recipe is refused: the Dockerfile changed
 * in a way this stand-in does not follow, and it must be taught rather than drift.
 */
export function buildImageLayout(target: string): ImageLayout {
  const stages = readDockerfile(DOCKERFILE);
  const final = stages.at(-1) as Stage;
  const workdir = workdirOf(final);
  const ran: string[] = [];
  for (const copy of final.instructions.filter((i) => i.keyword === 'COPY')) {
    const { from, sources, dest } = parseCopy(copy);
    const destPath = join(target, posix.isAbsolute(dest) ? posix.relative(workdir, dest) : dest);
    const stage = from === undefined ? undefined : stages.find((s) => s.name === from);
    if (from !== undefined && !stage) throw new Error(`Dockerfile line ${copy.line}: no stage named ${from}`);
    for (const source of sources) {
      const to = dest.endsWith('/') || sources.length > 1 ? join(destPath, posix.basename(source)) : destPath;
      if (stage) fromStage(stage, source, to, ran);
      else place(join(ROOT, source), to);
    }
  }
  return { root: target, workdir, ran };
}

function parseCopy(copy: Instruction): { from?: string; sources: string[]; dest: string } {
  const words = copy.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const unknown = flags.filter((f) => !f.startsWith('--from='));
  if (unknown.length) throw new Error(`Dockerfile line ${copy.line}: COPY ${unknown.join(' ')} is not followed by the layout builder`);
  return { from: flags[0]?.slice('--from='.length), sources: paths.slice(0, -1), dest: paths.at(-1) as string };
}

/** Puts at `to` what a stage holds at `path`, running the stage's commands here once. */
function fromStage(stage: Stage, path: string, to: string, ran: string[]): void {
  const inside = posix.relative(workdirOf(stage), path);
  const copiesContext = stage.instructions.some((i) => i.keyword === 'COPY' && /^\.\s+\.\/?$/.test(i.args));
  if (copiesContext) {
    // Its `npm ci` is this checkout's own install; the rest (the build) runs as written.
    for (const command of runs(stage).filter((c) => !ran.includes(c) && !/^npm ci\b/.test(c))) {
      execFileSync('sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      ran.push(command);
    }
    return place(join(ROOT, inside), to);
  }
  if (runs(stage).some((c) => /\bnpm ci\b.*--omit=dev/.test(c)) && inside === 'node_modules') return productionModules(to, ran);
  throw new Error(`the layout builder does not know how stage ${stage.name ?? stage.from} makes ${path}`);
}

/** node_modules holding only what `npm ci --omit=dev` installs: the lock file's production packages. */
function productionModules(to: string, ran: string[]): void {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  const top = new Set(listed.slice(1).map((p) => relative(join(ROOT, 'node_modules'), p).split('/node_modules/')[0]));
  for (const name of top) place(realpathSync(join(ROOT, 'node_modules', name)), join(to, name));
  ran.push('npm ci --omit=dev (as npm ls --omit=dev: the same packages, hard-linked)');
}

/** Hard links (cp -al): a copy of hundreds of megabytes in a second, sharing the disk blocks. */
function place(source: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  execFileSync('cp', ['-al', '--no-target-directory', source, dest]);
}
