// Which network addresses web tools may reach without the user's say-so: public ones only. The
// check runs on the address a connection is about to use (a custom DNS lookup), so a name that
// resolves to a public address when checked and a private one when connecting (DNS rebinding) is refused.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { PagiError } from '../../../contracts/errors.js';

// one list per family, each checked only with its own: Node's BlockList matches IPv4 addresses
// against IPv6 rules through their mapped form, so ::ffff:0:0/96 in a shared list would block every IPv4 address
const NON_PUBLIC_V4 = new BlockList();
const NON_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // ::/96 holds :: and ::1 and the old IPv4-compatible forms; ::ffff:0:0/96 every IPv4-mapped form (refused
  // whole: no public host is published under one, and they could reach a private IPv4 address)
  ['::', 96], ['::ffff:0:0', 96], ['64:ff9b:1::', 48], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NON_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');

/** Whether `address` (an IP literal) is on the public internet: not private, loopback, link-local, multicast or reserved. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !NON_PUBLIC_V4.check(address, 'ipv4') : !NON_PUBLIC_V6.check(address, 'ipv6');
}

export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The refusal for a host that is, or resolves to, a non-public address. */
export function privateAddressRefusal(host: string, address: string): PagiError {
  return PagiError.hinted(
    'PERMISSION_DENIED',
    `${host}${host === address ? '' : ` resolves to ${address}, which`} is a private, loopback or link-local address; web.fetch reaches only the public internet unless the host is allowed`,
    { app: `Allow ${host} in Settings → Tools → Web, if it is yours` },
    { host, address },
  );
}

/**
 * A `lookup` for http.request that resolves the name and refuses the connection when any address is
 * not public (unless the host was allowed). Node calls it as it connects, so the checked address is
 * the one used.
 */
export function guardedLookup(host: string, allowed: boolean, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const wanted = found.filter((a) => !options.family || a.family === options.family);
        const blocked = allowed ? undefined : wanted.find((a) => !isPublicAddress(a.address));
        const first = wanted[0];
        if (blocked) return callback(privateAddressRefusal(host, blocked.address) as unknown as NodeJS.ErrnoException, '', 0);
        if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return (callback as unknown as (e: null, list: typeof wanted) => void)(null, wanted);
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
