// The checks every spec file of the tier ends with: over everything its sessions did, no console
// error, page error, dialog, CSP violation or gateway answer without the policy was left unexplained,
// and the gateway's CSP report endpoint counted no violation (the counter covers the whole run: the
// stack is the tier's own).
import { reportedViolations } from './console';
import type { StackCoordinates } from './env';
import { listProblems, type BrowserRun } from './harness';

export function endOfRunChecks(run: () => BrowserRun, stack: () => StackCoordinates): void {
  test('no unexplained console error, page error or dialog, no CSP violation, the CSP header on every answer', async () => {
    await run().settled();
    // Chromium asks every origin for /favicon.ico on its own; the console declares no icon.
    run().take('console', /status of 404 .*\/favicon\.ico\]$/);
    expect(listProblems(run().problems)).toEqual([]);
    const answers = run().answers;
    expect(answers.length).toBeGreaterThan(0);
    expect(await reportedViolations(stack())).toBe(0);
  });
}
