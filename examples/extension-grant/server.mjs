/**
 * Gatehouse with one extra grant type: `gatehouse serve`, plus `grants: [apiKeyGrant(...)]`.
 *
 * Configured like `gatehouse serve`, by GATEHOUSE_* variables, plus
 * LEGACY_API_KEYS="key=username,key=username".
 */
import { createLogger, loadConfig, startGatehouse } from 'gatehouse';
import { apiKeyGrant } from './api-key-grant.mjs';

const config = loadConfig({ env: process.env });
const gatehouse = await startGatehouse({
  config,
  logger: createLogger(config.log_level),
  grants: [apiKeyGrant(process.env.LEGACY_API_KEYS ?? '')],
});
console.log(`Gatehouse with the API key grant listening on ${gatehouse.url}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    gatehouse.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
