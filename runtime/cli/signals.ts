/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, `kubectl delete`), removing both listeners. */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
