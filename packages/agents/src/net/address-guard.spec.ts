import { AddressGuard } from './address-guard.js';

describe(AddressGuard.name, () => {
  const guard = new AddressGuard();

  it('allows public addresses', () => {
    expect(
      ['93.184.216.34', '8.8.8.8', '2606:4700::1111'].filter((ip) => guard.isAllowed(ip)),
    ).toHaveLength(3);
  });

  it('refuses loopback, private, link-local, CGNAT and unspecified addresses', () => {
    const refused = [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
    ];
    expect(refused.filter((ip) => guard.isAllowed(ip))).toEqual([]);
  });

  it('allows the addresses and ranges it is given', () => {
    const allowing = new AddressGuard(['127.0.0.1', '10.1.0.0/16']);
    expect(allowing.isAllowed('127.0.0.1')).toBe(true);
    expect(allowing.isAllowed('::ffff:127.0.0.1')).toBe(true);
    expect(allowing.isAllowed('10.1.200.3')).toBe(true);
    expect(allowing.isAllowed('10.2.0.1')).toBe(false);
  });

  it('rejects a malformed allow entry', () => {
    expect(() => new AddressGuard(['localhost'])).toThrow('not an IP address');
    expect(() => new AddressGuard(['10.0.0.0/33'])).toThrow('bad prefix length');
  });
});
