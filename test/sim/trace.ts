// The run's trace: one line per notable event, stamped with virtual time. Printed live with
// --verbose; otherwise only the last lines are kept for a failure report.
export class Trace {
  private readonly recent: string[] = [];

  constructor(
    private readonly now: () => number,
    private readonly verbose: boolean,
    private readonly keep = 200,
  ) {}

  log(where: string, text: string): void {
    const line = `${String(this.now()).padStart(7)} ${where.padEnd(9)} ${text}`;
    if (this.verbose) console.log(line);
    this.recent.push(line);
    if (this.recent.length > this.keep) this.recent.shift();
  }

  tail(): readonly string[] {
    return this.recent;
  }
}
