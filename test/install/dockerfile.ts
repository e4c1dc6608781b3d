/**
 * Reads the Dockerfile and .dockerignore the way Docker does, for what the install test needs: the
 * stages and their instructions (continuation lines joined, comments dropped, global ARGs
 * substituted in FROM), exec-form arguments, ENV pairs, and which paths of the build context
 * .dockerignore leaves out.
 */

export interface Instruction {
  /** Upper case: RUN, COPY, ENV … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  value: string;
}

export interface Stage {
  /** The base image, global ARGs substituted: node:20-bookworm-slim */
  image: string;
  /** The `AS` name, or null. */
  name: string | null;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    // Comment lines are dropped, also in the middle of a continued instruction (as Docker does).
    if (/^\s*#/.test(raw)) continue;
    const line = raw.trimEnd();
    if (pending === '' && line.trim() === '') continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const joined = `${pending}${line.trim()}`;
    pending = '';
    const match = /^(\w+)\s+(.*)$/s.exec(joined);
    if (!match) throw new Error(`Dockerfile: cannot read ${JSON.stringify(joined)}`);
    instructions.push({ keyword: match[1]!.toUpperCase(), value: match[2]!.trim() });
  }

  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const substituted = instruction.value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced, bare) => {
        const value = globalArgs.get(braced ?? bare);
        if (value === undefined) throw new Error(`Dockerfile: FROM uses ${braced ?? bare}, which no ARG sets`);
        return value;
      });
      const [image, as, name] = substituted.split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === 'AS' ? name! : null, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile: ${instruction.keyword} before FROM`);
      const [key, value = ''] = instruction.value.split('=');
      globalArgs.set(key!.trim(), value.trim());
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** The instructions of a stage with this keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The arguments of an exec-form (JSON array) value; throws on the shell form. */
export function execForm(value: string): string[] {
  if (!value.startsWith('[')) throw new Error(`not the exec form (a JSON array): ${value}`);
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`not an array of strings: ${value}`);
  }
  return parsed;
}

/** `ENV A=1 B="two words"` → { A: '1', B: 'two words' }. */
export function envPairs(value: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const match of value.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) pairs[match[1]!] = match[3] ?? match[2]!;
  return pairs;
}

/** `--interval=30s --retries=3 CMD [...]` → the options and the exec-form command. */
export function healthcheck(value: string): { options: Record<string, string>; command: string[] } {
  const match = /^((?:--[\w-]+=\S+\s+)*)CMD\s+(.*)$/s.exec(value);
  if (!match) throw new Error(`HEALTHCHECK without CMD: ${value}`);
  const options: Record<string, string> = {};
  for (const option of match[1]!.trim().split(/\s+/).filter(Boolean)) {
    const [key, setting] = option.slice(2).split('=');
    options[key!] = setting!;
  }
  return { options, command: execForm(match[2]!) };
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*' && pattern[index + 1] === '*') {
      index++;
      // `**/` is any number of folders, none included; a final `**` anything.
      if (pattern[index + 1] === '/') {
        index++;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether .dockerignore leaves a context path (relative, `/`-separated) out: a rule matches the path
 * or a folder above it, patterns start at the context's root, `!` brings a path back, the last
 * matching rule wins.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, regex: globToRegExp(pattern) };
    });
  return (path) => {
    const parts = path.split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let depth = 1; depth <= parts.length; depth++) {
        if (rule.regex.test(parts.slice(0, depth).join('/'))) {
          excluded = !rule.negated;
          break;
        }
      }
    }
    return excluded;
  };
}
