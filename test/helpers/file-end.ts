/**
 * What must not outlive the test file that made it (a server it started, a scratch folder).
 * test/setup/each-file.ts runs these after the file's own afterAll hooks. A setup file runs before
 * every test file, even where files share a worker's modules (`isolate: false`), where a helper
 * module's own top-level `afterAll` would be registered for the first file only.
 */
type Task = () => unknown;

const tasks = new Set<Task>();

/** Runs `task` when the current test file ends; the answer forgets it (when it was done earlier). */
export function atFileEnd(task: Task): () => void {
  tasks.add(task);
  return () => void tasks.delete(task);
}

/** The tasks, newest first (a server stops before the folder it ran in goes), each awaited. */
export async function runFileEndTasks(): Promise<void> {
  const due = [...tasks].reverse();
  tasks.clear();
  for (const task of due) {
    try {
      await task();
    } catch {
      // One failed clean-up must not keep the others from running.
    }
  }
}
