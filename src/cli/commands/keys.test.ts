import { expect, it } from 'vitest';
import { KEY_PREPUBLICATION_SECONDS } from '../../core/keys.js';
import { HELP_PREPUBLICATION_SECONDS } from './keys.js';

it('the help text of keys rotate names the real pre-publication delay', () => {
  expect(HELP_PREPUBLICATION_SECONDS).toBe(KEY_PREPUBLICATION_SECONDS);
});
