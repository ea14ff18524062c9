// Which of the CRI's tasks run, kept in memory as containerd's CRI plugin keeps
// its sandboxes' states: set by the CRI's own starts and stops and by the
// supervisor's exit events, and reconciled with one listing of the
// supervisor's tasks when that stream (re)starts, since an exit may have gone
// by unseen (ced or ce-cri killed, the stream broken). Reads ask nobody.

export class RunningTasks {
  private readonly running = new Set<string>();
  /** The tasks each reconcile under way must leave alone: they started or exited after its listing was asked for. */
  private readonly reconciles = new Set<Set<string>>();

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  started(id: string): void {
    this.running.add(id);
    this.touched(id);
  }

  exited(id: string): void {
    this.running.delete(id);
    this.touched(id);
  }

  /**
   * Takes the supervisor's word (`listRunning`, one ListTasks) for each of
   * `ids()` (read once the listing is in), except for the tasks that started
   * or exited meanwhile, whose news is newer than the listing. Returns the ids
   * found not running.
   */
  async reconcile(ids: () => Iterable<string>, listRunning: () => Promise<Set<string>>): Promise<string[]> {
    const changed = new Set<string>();
    this.reconciles.add(changed);
    let now: Set<string>;
    try {
      now = await listRunning();
    } finally {
      this.reconciles.delete(changed);
    }
    const stopped: string[] = [];
    for (const id of ids()) {
      if (changed.has(id)) continue;
      if (now.has(id)) this.running.add(id);
      else {
        this.running.delete(id);
        stopped.push(id);
      }
    }
    return stopped;
  }

  private touched(id: string): void {
    for (const changed of this.reconciles) changed.add(id);
  }
}
