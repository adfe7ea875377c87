/**
 * A real Git smart-HTTP server on 127.0.0.1 for the SpecSource tests: node:http in front of
 * `git http-backend` (the CGI program git ships), with HTTP basic auth. Tests push commits to it over
 * HTTP with the real `git` CLI while the operator fetches from it with isomorphic-git.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitServer {
  /** `http://127.0.0.1:<port>/<repo>.git` — no credentials in it. */
  url(repo: string): string;
  /** Requests answered so far, by status (the tests check that a refused fetch really reached the server). */
  requests: { method: string; path: string; status: number; user: string | undefined }[];
  close(): Promise<void>;
}

export async function startGitServer(options: { user: string; password: string }): Promise<GitServer & { root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'syncspec-git-root-'));
  const { stdout } = await run('git', ['--exec-path']);
  const backend = join(stdout.trim(), 'git-http-backend');
  const requests: GitServer['requests'] = [];
  const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const record = (status: number, user: string | undefined): void => { requests.push({ method: req.method ?? '', path: url.pathname, status, user }); };
    if (req.headers.authorization !== expected) {
      record(401, undefined);
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    void readBody(req).then((body) => {
      const child = spawn(backend, [], {
        env: {
          GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', REMOTE_USER: options.user, REMOTE_ADDR: '127.0.0.1',
          PATH_INFO: decodeURIComponent(url.pathname), QUERY_STRING: url.search.slice(1), REQUEST_METHOD: req.method ?? 'GET',
          CONTENT_TYPE: req.headers['content-type'] ?? '', CONTENT_LENGTH: String(body.length),
          HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '', GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
          PATH: process.env.PATH ?? '/usr/bin:/bin',
        },
      });
      const out: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.resume();
      // The backend may exit before reading a body it does not need (EPIPE): its answer still counts.
      child.stdin.on('error', () => {});
      child.stdin.end(body);
      child.on('close', () => {
        const all = Buffer.concat(out);
        const split = all.indexOf('\r\n\r\n') >= 0 ? all.indexOf('\r\n\r\n') : all.indexOf('\n\n');
        const sepLen = all.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
        const head = split >= 0 ? all.subarray(0, split).toString('latin1') : '';
        let status = 200;
        const headers: Record<string, string> = {};
        for (const line of head.split(/\r?\n/)) {
          const i = line.indexOf(':');
          if (i < 0) continue;
          const name = line.slice(0, i).trim();
          const value = line.slice(i + 1).trim();
          if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
          else headers[name] = value;
        }
        record(status, options.user);
        res.writeHead(status, headers).end(split >= 0 ? all.subarray(split + sepLen) : all);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    root, requests,
    url: (repo) => `http://127.0.0.1:${port}/${repo}.git`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => { rmSync(root, { recursive: true, force: true }); r(); }); }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A bare repository on the server, and a clone of it where tests commit and push with the real git CLI. */
export interface WorkRepo {
  dir: string;
  write(path: string, text: string): void;
  remove(path: string): Promise<void>;
  /** Commits everything and pushes `branch`; returns the commit SHA. */
  commitAndPush(message: string, branch?: string): Promise<string>;
  tag(name: string): Promise<void>;
}

export async function createRepo(server: GitServer & { root: string }, name: string, auth: { user: string; password: string }): Promise<WorkRepo> {
  await run('git', ['init', '--bare', '--initial-branch=main', join(server.root, `${name}.git`)]);
  const dir = mkdtempSync(join(tmpdir(), 'syncspec-git-work-'));
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Spec Author', GIT_AUTHOR_EMAIL: 'author@example.com', GIT_COMMITTER_NAME: 'Spec Author', GIT_COMMITTER_EMAIL: 'author@example.com', GIT_TERMINAL_PROMPT: '0' };
  const git = async (...args: string[]): Promise<string> => (await run('git', args, { cwd: dir, env })).stdout.trim();
  await git('init', '--initial-branch=main');
  const authed = new URL(server.url(name));
  authed.username = auth.user;
  authed.password = auth.password;
  await git('remote', 'add', 'origin', authed.toString());
  return {
    dir,
    write(path, text) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    async remove(path) { await git('rm', '-q', '-r', path); },
    async commitAndPush(message, branch = 'main') {
      await git('add', '-A');
      await git('commit', '-q', '--allow-empty', '-m', message);
      await git('push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
      return git('rev-parse', 'HEAD');
    },
    async tag(tagName) {
      await git('tag', '-a', tagName, '-m', tagName);
      await git('push', '-q', 'origin', `refs/tags/${tagName}`);
    },
  };
}
