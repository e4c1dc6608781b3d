/**
 * Usernames and e-mail addresses are unique by their canonical form (FOSUserBundle's rule):
 * Unicode-normalised (NFKC, so look-alike compatibility forms collapse) and lower-cased.
 */
export function canonicalize(value: string): string {
  return value.normalize('NFKC').toLowerCase().trim();
}

const USERNAME = /^[\p{L}\p{N}._-]{1,64}$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function usernameProblem(username: string): string | null {
  return USERNAME.test(username) ? null : 'username must be 1–64 letters, digits, ".", "_" or "-"';
}

export function emailProblem(email: string): string | null {
  return email.length <= 254 && EMAIL.test(email) ? null : 'e-mail address is not valid';
}
