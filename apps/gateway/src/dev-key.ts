// `node dist/dev-key.js <dir>`: makes (once) a development API key in <dir> and prints it;
// <dir>/api-keys is the keys file to point AGENTQ_API_KEYS_FILE at. Local use only.
import { ensureDevKey } from './auth/dev-key.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: dev-key <dir>\n');
  process.exitCode = 2;
} else {
  const { key, keysFile, created } = ensureDevKey(dir);
  process.stdout.write(
    `${created ? 'made' : 'kept'} the development API key (tenant dev, every scope): ${key}\n` +
      `keys file: ${keysFile}\n`,
  );
}
