/**
 * Progress of the demo's phases. On a terminal: one line per phase redrawn in place with a bar; elsewhere
 * (a pipe, CI=true): one quiet line per finished phase, so logs stay readable and diffable.
 */
export interface Progress {
  phase(name: string, what: string): void;
  update(done: number, total: number): void;
  done(detail: string): void;
}

export function createProgress(out: (text: string) => void, options: { tty: boolean; color: boolean; now?: () => number }): Progress {
  const now = options.now ?? (() => performance.now());
  const dim = (s: string) => (options.color ? `\x1b[2m${s}\x1b[0m` : s);
  const green = (s: string) => (options.color ? `\x1b[32m${s}\x1b[0m` : s);
  let name = '';
  let what = '';
  let lastDraw = -Infinity;
  let lastShown = '';
  const line = (body: string) => (options.tty ? `\r\x1b[2K${body}` : `${body}\n`);
  return {
    phase(n, w) {
      name = n;
      what = w;
      lastDraw = -Infinity;
      lastShown = '';
      if (options.tty) out(line(`${dim('…')} ${name.padEnd(11)} ${what}`));
    },
    update(done, total) {
      if (!options.tty) return;
      const t = now();
      const shown = `${done}/${total}`;
      if (shown === lastShown || (t - lastDraw < 80 && done < total)) return;
      lastDraw = t;
      lastShown = shown;
      // Short enough not to wrap on an 80-column terminal (a wrapped line cannot be redrawn in place).
      const width = 28;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      out(line(`${dim('…')} ${name.padEnd(11)} ${'█'.repeat(filled)}${dim('░'.repeat(width - filled))} ${shown}`));
    },
    done(detail) {
      out(line(`${green('✓')} ${name.padEnd(11)} ${detail}`));
      if (options.tty) out('\n');
    },
  };
}
