// Only the command definitions are imported here: each command imports what it needs when it
// runs, so --help and `client list` load neither the HTTP server nor an unused database driver.
import { createRequire } from 'node:module';
import { Command, CommanderError, Help } from 'commander';
import { auditCommand } from './commands/audit.js';
import { clientCommand } from './commands/client.js';
import { configCommand } from './commands/config.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { tokensCommand } from './commands/tokens.js';
import { userCommand } from './commands/user.js';
import { nearestName } from '../config/nearest-name.js';
import { isUsageError, UsageError } from './errors.js';
import { EXAMPLES, examplesText } from './examples.js';
import { cliIo, withCliIo, type CliIo } from './io.js';

/** Commander's message on one line: "unknown option '--jsn'\n(Did you mean --json?)" keeps its suggestion. */
export function oneLine(message: string): string {
  const [first = '', ...rest] = message.replace(/^error: /, '').split('\n');
  const suggestion = rest.map((line) => /^\(Did you mean (.+)\?\)$/.exec(line.trim())?.[1]).find(Boolean);
  return suggestion ? `${first} (did you mean ${suggestion}?)` : first;
}

/** Commander's internals reached below (stable across its 9–14 releases). */
interface CommanderInternals {
  _checkForMissingMandatoryOptions(): void;
  unknownOption(flag: string): never;
}

/**
 * A typo in an option is reported as the typo, with its nearest option: commander checks the
 * required options first, so `client create --nme x` would otherwise say "--name not specified".
 */
function unknownOptionsFirst(command: Command): void {
  let unknown: string[] = [];
  const parseOptions = command.parseOptions.bind(command);
  command.parseOptions = (argv) => {
    const parsed = parseOptions(argv);
    unknown = parsed.unknown;
    return parsed;
  };
  const internals = command as unknown as CommanderInternals;
  const checkRequired = internals._checkForMissingMandatoryOptions.bind(command);
  internals._checkForMissingMandatoryOptions = () => {
    if (unknown[0]?.startsWith('-')) internals.unknownOption(unknown[0]);
    checkRequired();
  };
}

/** `client create` for the client group's create command; `gatehouse` for the program. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ') || command.name();
}

/** In a list of commands, a group reads `client <command>` (not its catch-all `[command...]`). */
const defaultHelp = new Help();
const subcommandTerm = (sub: Command) =>
  sub.commands.length > 0 ? `${sub.name()} <command>` : defaultHelp.subcommandTerm(sub);

function configure(command: Command): void {
  command.exitOverride();
  command.configureHelp({ subcommandTerm });
  const examples = EXAMPLES[pathOf(command)];
  if (examples) command.addHelpText('after', examplesText(examples));
  command.configureOutput({
    writeOut: (text) => void cliIo().stdout.write(text),
    writeErr: (text) => void cliIo().stderr.write(text),
    outputError: (message, write) => write(`gatehouse: ${oneLine(message)}\n`),
  });
  if (command.commands.length === 0) {
    unknownOptionsFirst(command);
    return;
  }
  // A group without its subcommand (or with an unknown one) is misuse too: one line, not a help
  // page. Whatever follows an unknown command is taken in (options too), so that `client creat
  // --name x` and `user lst` are answered about the command, not with "too many arguments".
  const names = command.commands.map((sub) => sub.name()).filter((name) => name !== 'help');
  const help = command.name() === 'gatehouse' ? '--help' : `${command.name()} --help`;
  command
    .argument('[command...]')
    .usage('[options] [command]')
    .allowUnknownOption()
    .action((words: string[]) => {
      const [first] = words;
      if (first === 'help') return command.outputHelp();
      if (first === undefined) throw new UsageError(`a command is needed: ${names.join(', ')} (see ${help})`);
      if (first.startsWith('-')) {
        // `gatehouse --config x client list`: the options belong after the command they are for.
        const command = words.find((word) => names.includes(word));
        throw new UsageError(
          command
            ? `unknown option '${first}': options go after the command (${command} … ${first})`
            : `unknown option '${first}': a command is needed first: ${names.join(', ')} (see ${help})`,
        );
      }
      const nearest = nearestName(first, names);
      throw new UsageError(
        nearest
          ? `unknown command '${first}' (did you mean ${nearest}?)`
          : `unknown command '${first}': ${names.join(', ')} (see ${help})`,
      );
    });
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
    .addCommand(auditCommand())
    .addCommand(configCommand());
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
      : code === 'EADDRINUSE'
        ? `${(error as Error).message}: another server listens there; stop it or choose another port (--port)`
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
