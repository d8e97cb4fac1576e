/*
 * netpolicy: where outgoing requests may go (job URLs, http tasks,
 * redirects, notification webhooks). A pure decision on one address: no
 * sockets, no resolving.
 *
 * The real enforcement is on the address a connection is actually made to
 * (httpc checks every socket it opens), so DNS names that point inside,
 * DNS rebinding and redirects do not get around it; netpolicy_parse_host()
 * only lets a caller refuse a numeric URL host early, with a clear message.
 *
 * Refused unless allow_private is set or the address is in allowed
 * (allowed wins over every class below):
 *
 *   IPv4 (and every IPv6 form that embeds one, see below)
 *     0.0.0.0/8          "this network"; 0.0.0.0 reaches the local host
 *     10.0.0.0/8         private (RFC 1918)
 *     100.64.0.0/10      CGNAT shared address space (RFC 6598)
 *     127.0.0.0/8        loopback
 *     169.254.0.0/16     link-local, including 169.254.169.254, the cloud
 *                        metadata service
 *     172.16.0.0/12      private (RFC 1918)
 *     192.0.0.0/24       IETF protocol assignments (RFC 6890)
 *     192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
 *                        documentation (RFC 5737)
 *     192.168.0.0/16     private (RFC 1918)
 *     198.18.0.0/15      benchmarking (RFC 2544)
 *     224.0.0.0/4        multicast
 *     255.255.255.255    limited broadcast
 *     240.0.0.0/4        reserved (RFC 1112)
 *
 *   IPv6
 *     ::                 unspecified
 *     ::1                loopback
 *     fc00::/7           unique local (RFC 4193), IPv6's private space
 *     fe80::/10          link-local
 *     fec0::/10          site-local (deprecated, still routed by some)
 *     ff00::/8           multicast
 *     100::/64           discard-only (RFC 6666)
 *     2001:db8::/32      documentation (RFC 3849)
 *
 *   IPv6 addresses that carry an IPv4 address, judged by the IPv4 rules
 *     ::ffff:0:0/96      IPv4-mapped (how cidr_addr keeps IPv4 anyway)
 *     ::/96              IPv4-compatible (deprecated), other than :: and ::1
 *     64:ff9b::/96       NAT64 well-known prefix (RFC 6052)
 *     64:ff9b:1::/48     NAT64 local-use prefix (RFC 8215): the IPv4 address
 *                        is the last 32 bits, as with a /96 under it
 *     2002::/16          6to4 (RFC 3056): the IPv4 address is bits 16-48
 *
 * allowed is matched against the address as connected to, not against an
 * embedded IPv4 address: allowing 10.0.0.0/8 does not open 64:ff9b::a00:1.
 */
#ifndef WEBCRON_NETPOLICY_H
#define WEBCRON_NETPOLICY_H

#include <stddef.h>
#include <sys/socket.h>

#include "util/cidr.h"

struct netpolicy {
	int allow_private;        /* allow_private_targets: opens every class */
	struct cidr_list allowed; /* allowed_targets; owned by the caller */
};

/* Returns 1 when A may be connected to, or 0 when it is refused, with the
 * reason in WHY ("10.0.0.1 is a private address"; WHY may be NULL). */
int netpolicy_check(const struct netpolicy *, const struct cidr_addr *a,
    char *why, size_t whylen);

/* The same for a socket address. Families other than AF_INET and AF_INET6
 * are refused (returns 0). */
int netpolicy_check_sockaddr(const struct netpolicy *, const struct sockaddr *sa,
    char *why, size_t whylen);

/* Reads a URL host the way the system resolver reads numeric hosts, without
 * resolving anything: a dotted quad and inet_aton's other forms (one to four
 * parts, each decimal, octal with a leading 0, or hex with 0x: "167772161",
 * "0xa.1", "012.0.0.1", "10.1"), optionally with one trailing dot, and IPv6
 * with or without brackets (a zone, "%25eth0" or "%eth0", is ignored).
 * Returns 0 with the address in OUT for a numeric host, or -1 when HOST is
 * a name (or malformed), which only a resolver can turn into addresses. */
int netpolicy_parse_host(const char *host, struct cidr_addr *out);

#endif
