/** The fuzz scripts' arguments: COUNT (default `count`) and SEED (default from the clock); usage and exit 2 otherwise. */
export function fuzzArgs(count: number, usage: string): { count: number; seed: number } {
  const args = { count: Number(process.argv[2] ?? count), seed: Number(process.argv[3] ?? Date.now() % 2 ** 31) };
  if (!Number.isInteger(args.count) || args.count < 1 || !Number.isInteger(args.seed)) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  return args;
}
