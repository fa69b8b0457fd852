package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is who a request comes from, for the per-address limits:
// the TCP peer, unless the peer is one of the trusted proxies, in which
// case X-Forwarded-For is read from the right (the hop the nearest proxy
// added) and the first address that is not a trusted proxy is the client.
// Reading from the right matters: everything to the left of what our own
// proxies appended was written by the client and may be made up.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parseHost(r.RemoteAddr)
	if !peer.IsValid() || !contains(trusted, peer) {
		return peer
	}
	hops := forwardedFor(r.Header)
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A trusted proxy would not write garbage, so whoever
			// wrote it is beyond them: the last good hop is the client.
			return client
		}
		client = a.Unmap()
		if !contains(trusted, client) {
			return client
		}
	}
	return client
}

// forwardedFor is every X-Forwarded-For entry, across repeated headers,
// in order.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(v, ",") {
			if hop = strings.TrimSpace(hop); hop != "" {
				hops = append(hops, hop)
			}
		}
	}
	return hops
}

// parseHost reads the address of "host:port" (RemoteAddr's form) or of a
// bare address; the zero Addr if it is neither.
func parseHost(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(s)
	return a.Unmap()
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrKey is the bucket key of a client address. An IPv6 client is keyed
// by its /64, the block one subscriber or host gets: keying single IPv6
// addresses would let anyone with a /64 take 2^64 fresh buckets.
func addrKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}
