/**
 * A date as ClearML answers it: ISO 8601 in UTC with microseconds and an explicit `+00:00` offset
 * (clearml-server's JSON encoder writes naive datetimes that way). The SDK parses answered dates by
 * cutting at `+` and reading `%Y-%m-%dT%H:%M:%S.%f`, so JavaScript's trailing `Z` makes it throw:
 * the hyperparameter optimizer's progress thread died reading a completed job's `completed`.
 */
export function apiDate(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}
