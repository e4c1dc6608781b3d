import { closeSync, constants, fchmodSync, openSync, statSync } from 'node:fs';

/** Owner read and write only: the file holds password hashes, token hashes and encrypted keys. */
export const DATABASE_FILE_MODE = 0o600;

/**
 * Creates the database file with mode 0600 before SQLite opens it (SQLite would create it 0644,
 * less the umask). SQLite gives the -wal and -shm files it creates later the database file's own
 * mode, so they are 0600 too. An existing file is left as it is (see databaseFileExposure).
 */
export function createDatabaseFilePrivately(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, DATABASE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    // Whatever the umask: exactly 0600.
    fchmodSync(fd, DATABASE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * A warning when the database file (or its -wal or -shm file) exists and other users than its
 * owner may read or write it, or null. Only a warning: the operator may mean it (a backup group).
 */
export function databaseFileExposure(path: string): { message: string; file: string; mode: string } | null {
  if (path === ':memory:') return null;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) {
      const octal = mode.toString(8).padStart(4, '0');
      return {
        file,
        mode: octal,
        message: `the database file ${file} is readable or writable by other users (mode ${octal}); it holds password and token hashes: chmod 600 it`,
      };
    }
  }
  return null;
}
