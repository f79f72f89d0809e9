import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import dotenvFlow from 'dotenv-flow';
import { ConfigError } from './errors';
import { parseHocon, type ParsedHocon } from './hocon/parse';

export const DEFAULT_CONFIG_DIR = '/opt/clearml/config';

export interface ConfFile {
  file: string;
  /** Key prefix the file's content lands under: `services/login.conf` -> ['services', 'login']. */
  prefix: string[];
  parsed: ParsedHocon;
}

function listConfFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return listConfFiles(full);
      return entry.name.endsWith('.conf') && statSync(full).isFile() ? [full] : [];
    });
}

function parseFile(file: string, env: Record<string, string | undefined>, seen: Set<string>): ParsedHocon {
  if (seen.has(file)) throw new ConfigError('ERR_CONFIG_PARSE', `${file}: include cycle`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_SOURCE', `${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseHocon(text, {
    source: file,
    env,
    include: (target) => parseFile(resolve(dirname(file), target), env, new Set([...seen, file])),
  });
}

/**
 * Reads every `*.conf` under each config directory, in directory order (later wins). A missing
 * default directory is normal; a missing directory the operator named is reported.
 */
export function readConfigDirs(dirs: readonly string[], explicit: boolean, env: Record<string, string | undefined>): { files: ConfFile[]; warnings: string[] } {
  const warnings: string[] = [];
  const files: ConfFile[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      if (explicit) warnings.push(`config directory ${dir} (from CLEARML_CONFIG_DIR) does not exist; skipped`);
      continue;
    }
    for (const file of listConfFiles(dir)) {
      const prefix = relative(dir, file)
        .replace(/\.conf$/, '')
        .split(/[\\/]/);
      files.push({ file, prefix, parsed: parseFile(file, env, new Set()) });
    }
  }
  return { files, warnings };
}

export interface DotenvVars {
  values: Record<string, string>;
  /** `.env.local:3` for each variable. */
  sources: Record<string, string>;
}

/** The `.env` family dotenv-flow would load for this NODE_ENV, read without touching process.env. */
export function readDotenv(dir: string, nodeEnv: string | undefined): DotenvVars {
  const values: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const files = dotenvFlow.listFiles({ path: dir, node_env: nodeEnv });
  // listFiles returns the files lowest priority first.
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const [name, value] of Object.entries(dotenvFlow.parse(file))) {
      const line = lines.findIndex((l) => new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(l)) + 1;
      values[name] = value;
      sources[name] = `${relative(dir, file) || file}:${line} (${name})`;
    }
  }
  return { values, sources };
}
