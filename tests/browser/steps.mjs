// The browser tests' steps: each prints "ok N - name" or "not ok N - name" with the error, and the
// run ends with one summary line and exit code 0 or 1 (what the .NET tests that start them read).

/** A setting the test host passes in the environment; missing is a broken run, not a skipped step. */
export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/**
 * @param {string} title the test's name in its summary line
 * @param {{ stopAtFailure?: boolean }} options stop at the first failed step (its error is rethrown)
 *   or go on with the next (every step is independent, as in cross-origin.mjs)
 */
export function steps(title, { stopAtFailure = true } = {}) {
  let failures = 0;
  let count = 0;

  async function step(name, body) {
    count += 1;
    try {
      await body();
      console.log(`ok ${count} - ${name}`);
    } catch (error) {
      failures += 1;
      console.log(`not ok ${count} - ${name}`);
      console.log(`  ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n  ')}`);
      if (stopAtFailure) throw error;
    }
  }

  function check(condition, message) {
    if (!condition) throw new Error(message);
  }

  /** The summary line; true when every step passed. */
  function summary() {
    if (failures === 0) console.log(`${title}: all ${count} steps passed`);
    else console.log(stopAtFailure ? `${title}: step ${count} failed` : `${title}: ${failures} of ${count} steps failed`);
    return failures === 0;
  }

  return { step, check, summary };
}
