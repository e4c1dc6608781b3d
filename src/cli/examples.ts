/**
 * The examples `--help` ends with, by command path. Kept in one place (program.ts adds them to
 * the commands) so that they read alike; each runs as written, given the names it uses exist.
 */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  gatehouse: [
    'gatehouse migrate',
    'gatehouse serve --port 8080',
    'gatehouse client create --name my-service --grant-type client_credentials',
    'gatehouse config show',
  ],
  serve: [
    'gatehouse serve --port 8080 --config gatehouse.yaml',
    'npm start -- --port 8080 --config gatehouse.yaml',
    'GATEHOUSE_DATABASE_URL=postgres://gatehouse@db/gatehouse gatehouse serve --host 0.0.0.0',
  ],
  migrate: ['gatehouse migrate', 'gatehouse migrate --database postgres://gatehouse@db/gatehouse'],
  client: [
    'gatehouse client create --name my-service --grant-type client_credentials',
    'gatehouse client list',
    'gatehouse client update ID --add-redirect-uri https://app.example.com/callback',
  ],
  'client create': [
    'gatehouse client create --name my-service --grant-type client_credentials --scope "read write"',
    'gatehouse client create --name web-app --redirect-uri https://app.example.com/callback',
    'gatehouse client create --name spa --public --redirect-uri https://spa.example.com/callback',
    'eval "$(gatehouse client create --name my-service --grant-type client_credentials --env)"  # sets CLIENT_ID, CLIENT_SECRET',
  ],
  'client update': [
    'gatehouse client update ID --add-redirect-uri https://app.example.com/callback',
    'gatehouse client update ID --remove-redirect-uri https://old.example.com/callback',
    'gatehouse client update ID --scope "openid profile read" --no-trusted',
  ],
  'client show': ['gatehouse client show ID', 'gatehouse client show ID --json'],
  user: [
    'gatehouse user create alice alice@example.com',
    'gatehouse user promote alice ROLE_ADMIN',
    'gatehouse user list --json',
  ],
  'user create': [
    'gatehouse user create alice alice@example.com',
    'printf "%s\\n" "$PASSWORD" | gatehouse user create alice alice@example.com --password-stdin --role ROLE_ADMIN',
  ],
  'user list': ['gatehouse user list', 'gatehouse user list --json'],
  'user show': ['gatehouse user show alice', 'gatehouse user show alice@example.com --json'],
  'tokens clean': ['gatehouse tokens clean'],
  'keys rotate': ['gatehouse keys rotate'],
  'audit list': ['gatehouse audit list', 'gatehouse audit list --json'],
  config: ['gatehouse config show'],
  'config show': ['gatehouse config show', 'gatehouse config show --config /etc/gatehouse/gatehouse.yaml --json'],
};

/** The help text after the options: "Examples:" and the lines. */
export function examplesText(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
