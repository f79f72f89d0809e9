import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';

export const ASSETS_PATH = '/console/assets';
/** The files the build writes (see project.json's build target). */
export const ASSET_FILES = { script: 'console.js', style: 'console.css' } as const;

interface Asset {
  body: Buffer;
  type: string;
}

export interface ConsoleAssets {
  /** URL paths of the content-hashed files, for the layout's <link> and <script>. */
  urls: { script: string; style: string };
  routes: Router;
}

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/**
 * Reads the built client script and style sheet once and serves them under content-hashed names:
 * a name never changes meaning, so browsers may cache it for a year, and a new build is a new URL.
 */
export function loadAssets(dir: string): ConsoleAssets {
  const byName = new Map<string, Asset>();
  const url = (file: string) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`console asset ${path} is missing: build the gateway (npx nx run auth-gateway:build)`);
    const body = readFileSync(path);
    const [base, ext] = file.split('.');
    const name = `${base}.${createHash('sha256').update(body).digest('hex').slice(0, 16)}.${ext}`;
    byName.set(name, { body, type: TYPES[ext] });
    return `${ASSETS_PATH}/${name}`;
  };
  const urls = { script: url(ASSET_FILES.script), style: url(ASSET_FILES.style) };
  const routes = Router();
  routes.get(`${ASSETS_PATH}/:name`, (req, res, next) => {
    const asset = byName.get(req.params.name);
    if (!asset) return next();
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type(asset.type).send(asset.body);
  });
  return { urls, routes };
}
