#!/usr/bin/env node
// Only the command definitions are imported here: each command imports what it needs when it
// runs, so --help and `client list` load neither the HTTP server nor an unused database driver.
import { auditCommand } from './commands/audit.js';
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { clientCommand } from './commands/client.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { tokensCommand } from './commands/tokens.js';
import { userCommand } from './commands/user.js';
import { isUsageError, UsageError } from './errors.js';

function fail(message: string, code: number): never {
  process.stderr.write(`gatehouse: ${message.split('\n')[0]}\n`);
  process.exit(code);
}

function configure(command: Command): void {
  command.exitOverride();
  command.configureOutput({
    outputError: (message, write) => write(`gatehouse: ${message.replace(/^error: /, '').split('\n')[0]}\n`),
  });
  if (command.commands.length > 0) {
    // A group without its subcommand (or with an unknown one) is misuse too: one line, not a help page.
    const names = command.commands.map((sub) => sub.name()).filter((name) => name !== 'help');
    command.argument('[subcommand]').action((subcommand?: string) => {
      if (subcommand === 'help') return command.outputHelp();
      const what = subcommand ? `unknown command '${subcommand}'` : 'a command is needed';
      throw new UsageError(
        `${what}: ${names.join(', ')} (see ${command.name() === 'gatehouse' ? '' : `${command.name()} `}--help)`.replace(
          '( ',
          '(',
        ),
      );
    });
  }
  for (const sub of command.commands) configure(sub);
}

const program = new Command('gatehouse')
  .description('Gatehouse: an OAuth 2 authorization server with built-in user accounts')
  .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version)
  .addCommand(serveCommand())
  .addCommand(migrateCommand())
  .addCommand(clientCommand())
  .addCommand(userCommand())
  .addCommand(tokensCommand())
  .addCommand(keysCommand())
  .addCommand(auditCommand());
configure(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here with exit code 0; every other commander error is misuse.
    if (error.exitCode === 0) process.exit(0);
    process.exit(2);
  }
  // Misuse of the CLI (bad flags, invalid values, unknown names): one line, exit code 2.
  if (isUsageError(error)) fail(error.message, 2);
  const { code } = (error ?? {}) as { code?: string };
  fail(
    code === 'ECONNREFUSED'
      ? `cannot reach the database (${(error as Error).message})`
      : ((error as Error).message ?? String(error)),
    1,
  );
}
