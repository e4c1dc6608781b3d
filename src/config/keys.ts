/**
 * What kind of value each setting takes, read off the schema (so a new setting needs no second
 * list): values from the environment are strings, converted by kind in load.ts.
 */
import type { z } from 'zod';
import { configSchema } from './schema.js';

type Kind = 'number' | 'boolean' | 'list' | 'object' | 'string';

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The schema under defaults, optionality and transforms. */
function unwrap(schema: z.ZodType): z.ZodType {
  for (;;) {
    const def = defOf(schema);
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable') && def.innerType)
      schema = def.innerType;
    else if (def.type === 'pipe' && def.in) schema = def.in;
    else return schema;
  }
}

function kindOf(schema: z.ZodType): Kind {
  const def = defOf(unwrap(schema));
  if (def.type === 'number') return 'number';
  if (def.type === 'boolean') return 'boolean';
  // A list is written "a b", "a,b" or as a JSON array (a list of objects: jwt_bearer.issuers).
  if (def.type === 'array') return 'list';
  if (def.type === 'record' || def.type === 'object') return 'object';
  return 'string';
}

const kinds = new Map<string, Kind>();
/** Settings grouped in a section (registration.enabled …): written nested in files. */
export const sectionKeys = new Set<string>();
for (const [key, schema] of Object.entries(configSchema.shape) as [string, z.ZodType][]) {
  const shape = defOf(unwrap(schema)).type === 'object' ? defOf(unwrap(schema)).shape : undefined;
  if (!shape) {
    kinds.set(key, kindOf(schema));
    continue;
  }
  sectionKeys.add(key);
  for (const [inner, innerSchema] of Object.entries(shape)) kinds.set(`${key}.${inner}`, kindOf(innerSchema));
}

const keysOfKind = (kind: Kind) => new Set([...kinds].filter(([, k]) => k === kind).map(([key]) => key));
/** Which keys take numbers, booleans, lists and JSON objects, so values from the environment can be converted. */
export const numericKeys: ReadonlySet<string> = keysOfKind('number');
export const booleanKeys: ReadonlySet<string> = keysOfKind('boolean');
export const listKeys: ReadonlySet<string> = keysOfKind('list');
/** Mappings: given as a JSON object in the environment. */
export const objectKeys: ReadonlySet<string> = keysOfKind('object');

/**
 * Every setting's name: top-level keys, and `section.key` for the keys of a section. In the
 * environment the dot becomes an underscore: GATEHOUSE_REGISTRATION_ENABLED.
 */
export const configKeys: string[] = [...kinds.keys()];

/** GATEHOUSE_ACCESS_TOKEN_LIFETIME, GATEHOUSE_REGISTRATION_ENABLED: a setting's environment variable. */
export function environmentVariable(key: string): string {
  return `GATEHOUSE_${key.toUpperCase().replace('.', '_')}`;
}

/**
 * Every GATEHOUSE_* variable Gatehouse reads: one per setting, the conventional
 * GATEHOUSE_DATABASE_URL, and GATEHOUSE_CONFIG (which file to read).
 */
export const environmentVariables: string[] = [
  ...configKeys.map(environmentVariable),
  'GATEHOUSE_DATABASE_URL',
  'GATEHOUSE_CONFIG',
];
