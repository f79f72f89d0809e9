// The checks every console spec file ends with: over everything its sessions did, no console error,
// page error, dialog, CSP violation or gateway answer without the policy was left unexplained, and
// the gateway's CSP report endpoint counted no violation while the file ran (files run one after
// the other, so together they cover the whole run; only the harness self-check provokes one).
import { reportedViolations } from './console';
import type { StackCoordinates } from './env';
import { listProblems, type BrowserRun } from './harness';

export function endOfRunChecks(run: () => BrowserRun, stack: () => StackCoordinates): void {
  let before = 0;
  beforeAll(async () => {
    before = await reportedViolations(stack());
  }, 30_000);

  test('no unexplained console error, page error or dialog, no CSP violation, the CSP header on every answer', async () => {
    await run().settled();
    // Chromium asks every origin for /favicon.ico on its own; the console declares no icon.
    run().take('console', /status of 404 .*\/favicon\.ico\]$/);
    expect(listProblems(run().problems)).toEqual([]);
    expect(run().answers.length).toBeGreaterThan(0);
    expect(await reportedViolations(stack())).toBe(before);
  }, 30_000);
}
