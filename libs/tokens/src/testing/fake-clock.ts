/** One settable time for every `now` option (KeyRing wants a Date, issuer and verifier want ms). */
export class FakeClock {
  constructor(private ms: number = Date.UTC(2030, 0, 1)) {}

  readonly now = (): number => this.ms;
  readonly date = (): Date => new Date(this.ms);

  advanceSec(seconds: number): void {
    this.ms += seconds * 1000;
  }

  advanceDays(days: number): void {
    this.advanceSec(days * 86_400);
  }
}
