/**
 * Fills the configuration templates kept in infra/<component>/ ({{NAME}} placeholders, upper case). It lives in
 * infra/ because both renderers use it: the native stack (scripts/stack) and the compose stack (infra/compose).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';

export function infraFile(...parts: string[]): string {
  return path.join(REPO_ROOT, 'infra', ...parts);
}

/** Renders a template; every placeholder must have a value and every value must be used (typos fail loudly). */
export function renderTemplate(templatePath: string, vars: Record<string, string | number>): string {
  const text = fs.readFileSync(templatePath, 'utf8');
  const used = new Set<string>();
  const out = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`${templatePath}: no value for {{${key}}}`);
    used.add(key);
    return String(v);
  });
  const unused = Object.keys(vars).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`${templatePath}: unused values ${unused.join(', ')}`);
  return out;
}

export function writeRendered(templatePath: string, target: string, vars: Record<string, string | number>, mode = 0o644): string {
  fs.writeFileSync(target, renderTemplate(templatePath, vars), { mode });
  fs.chmodSync(target, mode);
  return target;
}
