/**
 * Git access for SpecSources through isomorphic-git over HTTP(S): one bare repository per source in a
 * cache folder, fetched incrementally (only new objects travel), and the spec files of one commit read
 * straight from the object database — no work tree, so two revisions never mix on disk.
 * Credentials reach isomorphic-git only through `onAuth`; every message that leaves this module has
 * user info stripped from URLs, so a token in `https://user:token@host/…` never reaches a log or condition.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import git, { type AuthCallback } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';

export interface GitCredentials {
  username: string;
  password: string;
}

/** Exactly one of branch, tag or commit (the SpecSource schema's `ref`). */
export type GitRef = { branch: string } | { tag: string } | { commit: string };

export interface FetchRequest {
  url: string;
  ref: GitRef;
  /** Bare repository folder for this source (created on first use). */
  gitdir: string;
  credentials: GitCredentials | undefined;
  signal?: AbortSignal;
}

/** Why a fetch failed, for the Ready condition's reason. */
export type GitFailure = 'AuthenticationFailed' | 'RefNotFound' | 'GitOperationFailed';

export class GitError extends Error {
  readonly reason: GitFailure;
  constructor(reason: GitFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GitError';
    this.reason = reason;
  }
}

/** `https://user:secret@host/x.git` → `https://host/x.git`; anything unparsable is left as it is. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** Every URL-looking substring of `text` with its user info removed. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
}

/** Fetches the ref and returns the commit it points at. */
export async function fetchRevision(req: FetchRequest): Promise<string> {
  const { gitdir } = req;
  await mkdir(gitdir, { recursive: true });
  if (!fs.existsSync(`${gitdir}/HEAD`)) await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
  // The URL may change on the object: the remote always follows it.
  await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: req.url });
  await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  const creds = req.credentials;
  let offered = false;
  const onAuth: AuthCallback = () => {
    if (!creds) return {};
    offered = true;
    return { username: creds.username, password: creds.password };
  };
  // Offered once; a refused offer ends the fetch (isomorphic-git would otherwise ask again forever).
  const onAuthFailure: AuthCallback = () => ({ cancel: true });
  const url = req.url;
  const common = { fs, http, gitdir, url, onAuth, onAuthFailure, tags: false, prune: false } as const;
  try {
    if ('commit' in req.ref) {
      const commit = req.ref.commit;
      if (await hasCommit(gitdir, commit)) return commit;
      // A pinned commit: fetch every branch (servers do not serve arbitrary SHAs to smart-HTTP v1 clients).
      await git.fetch({ ...common, singleBranch: false });
      if (!(await hasCommit(gitdir, commit))) throw new GitError('RefNotFound', `commit ${commit} is not reachable from any branch of ${redactUrl(url)}`);
      return commit;
    }
    const remoteRef = 'branch' in req.ref ? `refs/heads/${req.ref.branch}` : `refs/tags/${req.ref.tag}`;
    const refs = await git.listServerRefs({ http, url, onAuth, onAuthFailure, prefix: remoteRef, peelTags: true });
    const found = refs.find((r) => r.ref === remoteRef);
    if (!found) throw new GitError('RefNotFound', `${'branch' in req.ref ? 'branch' : 'tag'} "${'branch' in req.ref ? req.ref.branch : req.ref.tag}" not found in ${redactUrl(url)}`);
    // An annotated tag points at a tag object; the commit is its peeled target.
    const commit = found.peeled ?? found.oid;
    if (await hasCommit(gitdir, commit)) return commit;
    if ('branch' in req.ref) await git.fetch({ ...common, ref: req.ref.branch, singleBranch: true });
    else await git.fetch({ ...common, ref: req.ref.tag, singleBranch: true, tags: true });
    if (!(await hasCommit(gitdir, commit))) throw new GitError('GitOperationFailed', `fetched ${remoteRef} from ${redactUrl(url)} but commit ${commit} is missing`);
    return commit;
  } catch (err) {
    throw asGitError(err, url, offered);
  }
}

async function hasCommit(gitdir: string, oid: string): Promise<boolean> {
  try {
    await git.readCommit({ fs, gitdir, oid });
    return true;
  } catch {
    return false;
  }
}

function asGitError(err: unknown, url: string, offered: boolean): GitError {
  if (err instanceof GitError) return err;
  const e = err as { code?: unknown; data?: { statusCode?: unknown }; message?: unknown };
  const status = typeof e.data?.statusCode === 'number' ? e.data.statusCode : undefined;
  const message = redactText(typeof e.message === 'string' ? e.message : String(err));
  if (status === 401 || status === 403 || e.code === 'UserCanceledError') {
    return new GitError('AuthenticationFailed', `${redactUrl(url)} refused ${offered ? 'the credentials from spec.secretRef' : 'access without credentials (set spec.secretRef)'} (HTTP ${status ?? 401})`);
  }
  if (status === 404) return new GitError('GitOperationFailed', `${redactUrl(url)}: repository not found (HTTP 404)`);
  return new GitError('GitOperationFailed', `fetch from ${redactUrl(url)} failed: ${message}`, { cause: err });
}

/** `./`, `specs/`, `/specs` → `` or `specs`; undefined when the path leaves the repository. */
export function normalisePath(path: string | undefined): string | undefined {
  const parts = (path ?? '').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return undefined;
  return parts.join('/');
}

export interface SpecFile {
  /** Path from the repository root, as `syncspec validate` run at the root would name it. */
  file: string;
  content: Uint8Array;
}

export interface Artifact {
  files: SpecFile[];
  /** `sha256:<hex>` over the sorted names and contents: the same specs, the same checksum. */
  checksum: string;
}

/** The `*.yaml` / `*.yml` files under `path` at `commit`, sorted by path (hidden entries skipped, as `syncspec validate` does). */
export async function readSpecFiles(gitdir: string, commit: string, path: string): Promise<Artifact> {
  const prefix = path === '' ? '' : `${path}/`;
  const cache = {};
  const out: SpecFile[] = [];
  const walk = async (treeOid: string, dir: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir, oid: treeOid, cache });
    for (const entry of tree) {
      const full = dir === '' ? entry.path : `${dir}/${entry.path}`;
      if (entry.path.startsWith('.') || entry.path === 'node_modules') continue;
      if (entry.type === 'tree') {
        // Descend only towards or inside the path.
        if (prefix.startsWith(`${full}/`) || full.startsWith(prefix) || prefix === '') await walk(entry.oid, full);
      } else if (entry.type === 'blob' && (prefix === '' || full.startsWith(prefix)) && /\.ya?ml$/i.test(entry.path)) {
        const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid, cache });
        out.push({ file: full, content: blob });
      }
    }
  };
  const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit, cache });
  await walk(c.tree, '');
  out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const h = createHash('sha256');
  for (const f of out) h.update(f.file).update('\0').update(f.content).update('\0');
  return { files: out, checksum: `sha256:${h.digest('hex')}` };
}

/** Whether `path` names a folder (or the root) at `commit`. */
export async function pathExists(gitdir: string, commit: string, path: string): Promise<boolean> {
  if (path === '') return true;
  try {
    const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit });
    const r = await git.readTree({ fs, gitdir, oid: c.tree, filepath: path });
    return r.tree.length >= 0;
  } catch {
    return false;
  }
}
