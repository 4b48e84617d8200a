/**
 * Entry point of the standalone emulator (what `npm run emulator` runs once built):
 *
 *   node dist/local/emulator/main.js [--port 8443] [--seed 1] [--config emulator.json]
 *                                    [--ca-file .state/emulator/ca.pem]
 *
 * Real time (SystemClock). Prints the endpoints and the settings that point Surge at it; Ctrl-C
 * (or SIGTERM) closes it.
 */
import { SystemClock } from '../clock';
import { describeEmulator, parseCliArgs } from './cli';
import { startEmulator } from './index';

async function main(): Promise<void> {
  const options = parseCliArgs(process.argv.slice(2), process.env);
  const emulator = await startEmulator({
    clock: new SystemClock(),
    seed: options.seed,
    port: options.port,
    config: options.config,
    caFile: options.caFile,
  });
  console.log(describeEmulator(emulator, options.seed));
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
