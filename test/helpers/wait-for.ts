/**
 * Waits until `check` holds, polling; fails with `what` when it does not within the limit. For
 * background work (the outbox worker, a child process): it asserts an outcome, never a duration.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, limitMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
