// Runs before every integration and system test file (vitest `setupFiles`).
import { afterAll } from 'vitest';
import { runFileEndTasks } from '../helpers/file-end.js';

// Registered first, so it runs after the file's own afterAll hooks (vitest runs them as a stack).
afterAll(runFileEndTasks);
