/*
 * cidr: address ranges (trusted_proxies, metrics_allow, allowed_targets)
 * and address parsing.
 */
#ifndef WEBCRON_CIDR_H
#define WEBCRON_CIDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address: IPv4 is kept as an IPv4-mapped IPv6 address (::ffff:a.b.c.d),
 * so one comparison covers both families. */
struct cidr_addr {
	uint8_t b[16];
};

struct cidr {
	struct cidr_addr addr;
	int prefix; /* 0..128, on the mapped form */
};

struct cidr_list {
	struct cidr *v;
	size_t n;
};

/* Parses a literal IPv4 or IPv6 address (no brackets, no port). Returns 0,
 * or -1 when S is not one. */
int cidr_addr_parse(const char *s, struct cidr_addr *out);
/* From a socket address (AF_INET or AF_INET6; v4-mapped v6 stays mapped).
 * Returns 0, or -1 for other families (e.g. AF_UNIX). */
int cidr_addr_from_sockaddr(const struct sockaddr *sa, struct cidr_addr *out);
/* Writes the address in its usual text form (a.b.c.d for IPv4 and mapped
 * addresses). BUF should be INET6_ADDRSTRLEN bytes. */
void cidr_addr_format(const struct cidr_addr *a, char *buf, size_t len);
int cidr_addr_is_v4(const struct cidr_addr *a);

/* Parses "10.0.0.0/8, ::1, 192.168.1.5/32" into LIST (replacing nothing:
 * LIST must be empty). An empty string gives an empty list. Returns 0, or
 * -1 with a message in ERR naming the bad entry. */
int cidr_list_parse(const char *s, struct cidr_list *list, char *err, size_t errlen);
int cidr_list_match(const struct cidr_list *list, const struct cidr_addr *a);
void cidr_list_free(struct cidr_list *list);

#endif
