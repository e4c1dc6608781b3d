/**
 * Work done after a page has answered, so the answer cannot depend on it: a bounded queue run a
 * few tasks at a time. A task starts no earlier than the next turn of the event loop (the
 * answer being written in the meantime). Past `maxQueued` waiting tasks a new one is dropped
 * (and reported), so a flood of requests cannot grow memory without bound.
 */
export interface BackgroundTasksOptions {
  /** Tasks run at the same time. */
  concurrency: number;
  /** Tasks waiting to run; more are dropped. */
  maxQueued: number;
  /** A task failed (it is not retried). */
  onError(error: unknown): void;
  /** A task was dropped because the queue was full. */
  onDropped(): void;
}

export class BackgroundTasks {
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private paused = false;
  private idlers: Array<() => void> = [];

  constructor(private readonly options: BackgroundTasksOptions) {}

  /** Queues `task`; false (and onDropped) when the queue is full. */
  push(task: () => Promise<void>): boolean {
    if (this.waiting.length >= this.options.maxQueued) {
      this.options.onDropped();
      return false;
    }
    this.waiting.push(task);
    this.pump();
    return true;
  }

  /** Holds queued tasks until resume() (tests: look at what happened before any task ran). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.waiting.length + this.running;
  }

  /** Resolves when no task is queued or running (shutdown, tests); a paused queue is resumed. */
  async idle(): Promise<void> {
    this.resume();
    while (this.pending > 0) await new Promise<void>((resolve) => this.idlers.push(resolve));
  }

  private pump(): void {
    while (!this.paused && this.running < this.options.concurrency && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running += 1;
      setImmediate(() => {
        Promise.resolve()
          .then(task)
          .catch((error: unknown) => this.options.onError(error))
          .finally(() => {
            this.running -= 1;
            this.pump();
            if (this.pending === 0) for (const wake of this.idlers.splice(0)) wake();
          });
      });
    }
  }
}
