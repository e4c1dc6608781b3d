import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import { cliIo } from '../io.js';

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of cliIo().stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks on the terminal without echoing what is typed. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: cliIo().stdin, output: cliIo().stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
    let asked = false;
    output._writeToOutput = (s: string) => {
      if (!asked) {
        cliIo().stderr.write(s);
        asked = true;
      }
    };
    rl.question(question, (answer) => {
      cliIo().stderr.write('\n');
      rl.close();
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      reject(new UsageError('cancelled'));
    });
  });
}

/**
 * The password comes from stdin with --password-stdin (scripts), or a hidden prompt on a
 * terminal. Never from an argument, where it would land in shell history and `ps`.
 */
export async function readNewPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) {
    const value = (await readAllStdin()).replace(/\r?\n$/, '');
    if (!value) throw new UsageError('--password-stdin: no password on stdin');
    return value;
  }
  if (!cliIo().stdin.isTTY)
    throw new UsageError('no terminal to ask for the password: pass it on stdin with --password-stdin');
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Repeat password: ');
  if (first !== second) throw new UsageError('the passwords do not match');
  return first;
}
