// Only the command definitions are imported here: each command imports what it needs when it
// runs, so --help and `client list` load neither the HTTP server nor an unused database driver.
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { auditCommand } from './commands/audit.js';
import { clientCommand } from './commands/client.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { tokensCommand } from './commands/tokens.js';
import { userCommand } from './commands/user.js';
import { isUsageError, UsageError } from './errors.js';
import { cliIo, withCliIo, type CliIo } from './io.js';

function configure(command: Command): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => void cliIo().stdout.write(text),
    writeErr: (text) => void cliIo().stderr.write(text),
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

/** A fresh program each run: commander keeps the parsed options on its Command objects. */
function program(): Command {
  const gatehouse = new Command('gatehouse')
    .description('Gatehouse: an OAuth 2 authorization server with built-in user accounts')
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version)
    .addCommand(serveCommand())
    .addCommand(migrateCommand())
    .addCommand(clientCommand())
    .addCommand(userCommand())
    .addCommand(tokensCommand())
    .addCommand(keysCommand())
    .addCommand(auditCommand());
  configure(gatehouse);
  return gatehouse;
}

/** The one line a failed command ends with. */
function failure(error: unknown): { message: string; code: number } {
  // Misuse of the CLI (bad flags, invalid values, unknown names): one line, exit code 2.
  if (isUsageError(error)) return { message: error.message, code: 2 };
  const { code } = (error ?? {}) as { code?: string };
  const message =
    code === 'ECONNREFUSED'
      ? `cannot reach the database (${(error as Error).message})`
      : ((error as Error)?.message ?? String(error));
  return { message, code: 1 };
}

/**
 * Runs one `gatehouse` command line (`args` without `node` and the script) with `io`, and answers
 * its exit code: 0 done, 1 failed, 2 misuse. `serve` answers 0 once it is listening.
 */
export function runGatehouse(args: readonly string[], io: CliIo = cliIo()): Promise<number> {
  return withCliIo(io, async () => {
    try {
      await program().parseAsync([...args], { from: 'user' });
      return 0;
    } catch (error) {
      // --help and --version end here with exit code 0; every other commander error is misuse
      // (commander has already written its one line).
      if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
      const { message, code } = failure(error);
      io.stderr.write(`gatehouse: ${message.split('\n')[0]}\n`);
      return code;
    }
  });
}
