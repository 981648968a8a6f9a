/**
 * What a project must be, for the PROJECTS config key and for /api/projects alike: a URL-safe unique name (it is the
 * suffix of model ids), an absolute folder that exists and can be read, and a policy (main/contract/projects.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SANDBOXED_PROJECT_POLICY, POLICY_MODES, type Project } from '../contract/projects.ts';

/** Lower-case letters, digits, `-`, `_`, `.`: safe in a URL, a model id and a folder name; never `@`. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const ruleList = z.array(z.string().trim().min(1).max(500)).max(200);

export const policySchema = z
  .object({
    mode: z.enum(POLICY_MODES).default(SANDBOXED_PROJECT_POLICY.mode),
    allow: ruleList.default([]),
    denyRead: ruleList.default([]),
    allowedDomains: ruleList.default([]),
    trustFolderConfig: z.boolean().optional(),
  })
  .strict();

/** Why a folder cannot be a project's, or null when it can. */
export function folderProblem(folder: string): string | null {
  if (!path.isAbsolute(folder)) return `folder must be an absolute path (got ${JSON.stringify(folder)})`;
  let st: fs.Stats;
  try {
    st = fs.statSync(folder);
  } catch {
    return `folder ${folder} does not exist`;
  }
  if (!st.isDirectory()) return `folder ${folder} is not a directory`;
  try {
    fs.accessSync(folder, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    return `folder ${folder} is not readable`;
  }
  return null;
}

export const projectSchema = z
  .object({
    name: z.string().regex(PROJECT_NAME, 'name must be 1–63 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes part of model ids such as sonnet@<name>)'),
    folder: z.string().min(1).max(4096).transform((f) => path.normalize(f).replace(/(.)[\\/]+$/, '$1')),
    policy: policySchema.default(SANDBOXED_PROJECT_POLICY),
  })
  .strict()
  .superRefine((p, ctx) => {
    const problem = folderProblem(p.folder);
    if (problem) ctx.addIssue({ code: 'custom', path: ['folder'], message: problem });
  });

/** Names unique across one list. */
export function addUniquenessIssues(list: Array<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `project name "${p.name}" is used twice` });
    seen.add(p.name);
  });
}

/** A JSON array (the config file) or a JSON string of one (the environment). */
export const projectListSchema = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    if (!v.trim()) return [];
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v; // not JSON: the array check below names the key
    }
  },
  z.array(projectSchema).superRefine(addUniquenessIssues),
);

export type ProjectConfig = Project;
