import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Thrown (through the connection) when a host resolves only to refused addresses. */
export class AddressNotAllowedError extends Error {
  override readonly name = 'AddressNotAllowedError';
}

// Addresses an agent must not reach by default: the worker's own host, its private network
// and cloud metadata endpoints (169.254.169.254) — the usual SSRF targets.
const REFUSED: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** `::ffff:10.0.0.1` is 10.0.0.1: check the IPv4 address it maps. */
function unmap(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function blockList(entries: Iterable<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [address, prefix, type] of entries) list.addSubnet(address, prefix, type);
  return list;
}

/** Parses `10.0.0.1` or `10.0.0.0/8` (IPv6 too) into a subnet. */
function subnet(entry: string): [string, number, 'ipv4' | 'ipv6'] {
  const [address = '', bits] = entry.split('/');
  const version = isIP(address);
  if (version === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
  const prefix = bits === undefined ? (version === 4 ? 32 : 128) : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) {
    throw new Error(`"${entry}" has a bad prefix length`);
  }
  return [address, prefix, version === 4 ? 'ipv4' : 'ipv6'];
}

/**
 * Decides which IP addresses outbound requests may connect to: public ones, plus the
 * loopback/private ranges listed in `allowed` (IPs or CIDRs).
 */
export class AddressGuard {
  private readonly refused = blockList(REFUSED);
  private readonly allowed: BlockList;

  constructor(allowed: readonly string[] = []) {
    this.allowed = blockList(allowed.map(subnet));
  }

  isAllowed(address: string): boolean {
    const ip = unmap(address);
    if (isIP(ip) === 0) return false;
    if (this.allowed.check(ip, family(ip))) return true;
    if (ip.toLowerCase().startsWith('::ffff:')) return false; // mapped, in a form not unmapped
    return !this.refused.check(ip, family(ip));
  }

  /**
   * A `dns.lookup` replacement for sockets: resolves, drops refused addresses and hands the
   * socket only checked ones, so the address checked is the address connected to (no
   * window for DNS rebinding between a check and the connect).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      const done = callback as (...args: unknown[]) => void;
      if (error) return done(error, '', 0);
      const usable = addresses.filter((entry) => this.isAllowed(entry.address));
      const [first] = usable;
      if (!first) {
        const seen = addresses.map((entry) => entry.address).join(', ');
        return done(
          new AddressNotAllowedError(`${hostname} resolves to refused addresses (${seen})`),
        );
      }
      return options.all ? done(null, usable) : done(null, first.address, first.family);
    });
  };
}
