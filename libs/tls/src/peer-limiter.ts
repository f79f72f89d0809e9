/**
 * Lets one event per peer through per window: handshake failures (plain HTTP on a TLS port, old
 * protocol versions, scanners) are logged at most once a minute per address, and a flood from many
 * addresses cannot grow the table past `maxPeers`; those over the cap are only counted.
 */
export class PeerLimiter {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxPeers = 10_000,
  ) {}

  allow(peer: string, now = Date.now()): boolean {
    const last = this.seen.get(peer);
    if (last !== undefined && now - last < this.windowMs) return false;
    if (last === undefined && this.seen.size >= this.maxPeers) {
      this.prune(now);
      if (this.seen.size >= this.maxPeers) return false;
    }
    this.seen.set(peer, now);
    return true;
  }

  private prune(now: number): void {
    for (const [peer, at] of this.seen) if (now - at >= this.windowMs) this.seen.delete(peer);
  }
}
