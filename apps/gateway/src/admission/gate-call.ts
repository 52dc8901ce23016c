/**
 * The KEYS and binary ARGV of one gate call. Each policy adds the keys it touches and passes
 * their numbers (1-based, as Lua indexes KEYS) in its named arguments; a key added twice has
 * one number. Binary values (BullMQ's packed job arguments) go as ARGV of their own, named by
 * number too, as the arguments' MessagePack may not carry binary to Redis's Lua.
 */
export class GateCall {
  readonly keys: string[];
  readonly binaries: (Buffer | string)[] = [];
  private readonly keyNumbers = new Map<string, number>();

  /** `head`: keys every call starts with; `firstBinary`: the ARGV number of the first binary. */
  constructor(
    head: readonly string[],
    private readonly firstBinary: number,
  ) {
    this.keys = [...head];
    this.keys.forEach((key, index) => this.keyNumbers.set(key, index + 1));
  }

  key(key: string): number {
    let number = this.keyNumbers.get(key);
    if (number === undefined) {
      number = this.keys.push(key);
      this.keyNumbers.set(key, number);
    }
    return number;
  }

  binary(value: Buffer | string): number {
    return this.firstBinary + this.binaries.push(value) - 1;
  }
}
