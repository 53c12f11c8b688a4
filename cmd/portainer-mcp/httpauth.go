package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// How long an answer of /users/me is trusted: a revoked key stops working within validFor.
const (
	validFor   = time.Minute
	invalidFor = 10 * time.Second
	maxEntries = 10000
	// recentFor is how long a key Portainer accepted keeps its own rate-limit bucket after its
	// answer expired: it is checked again on its next request, but is not charged meanwhile to
	// the shared bucket of its address, which guessed keys may keep empty.
	recentFor = 24 * time.Hour
)

// keyChecker checks callers' API keys against Portainer's /users/me and remembers the answer
// briefly, by a hash of the key (keyID): the key itself is kept nowhere.
type keyChecker struct {
	client *papi.ClientWithResponses
	mu     sync.Mutex
	seen   map[string]keyEntry
	recent map[string]time.Time // hash of a key -> when Portainer last accepted it
	now    func() time.Time
}

type keyEntry struct {
	who     tools.Caller
	valid   bool
	message string
	until   time.Time
}

func newKeyChecker(client *papi.ClientWithResponses) *keyChecker {
	return &keyChecker{client: client, seen: map[string]keyEntry{}, recent: map[string]time.Time{}, now: time.Now}
}

// known tells whether id is the hash of a key Portainer accepted lately (within recentFor):
// such a key has a rate-limit bucket of its own.
func (k *keyChecker) known(id string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	at, ok := k.recent[id]
	return ok && k.now().Sub(at) < recentFor
}

// check returns the key's user, or the HTTP status and message to refuse the request with.
func (k *keyChecker) check(ctx context.Context, key, id string) (tools.Caller, int, error) {
	k.mu.Lock()
	e, ok := k.seen[id]
	k.mu.Unlock()
	if ok && k.now().Before(e.until) {
		if e.valid {
			return e.who, 0, nil
		}
		return tools.Caller{}, http.StatusUnauthorized, fmt.Errorf("%s", e.message)
	}
	ctx, cancel := context.WithTimeout(tools.WithAPIKey(ctx, key), 10*time.Second)
	defer cancel()
	me, err := k.client.CurrentUserInspectWithResponse(ctx)
	if err != nil {
		return tools.Caller{}, http.StatusBadGateway, fmt.Errorf("cannot reach Portainer to check the API key: %v; try again shortly", err)
	}
	switch {
	case me.JSON200 != nil:
		e = keyEntry{who: tools.Caller{ID: valueOf(me.JSON200.Id), Username: valueOf(me.JSON200.Username)}, valid: true, until: k.now().Add(validFor)}
	case me.StatusCode() == http.StatusUnauthorized || me.StatusCode() == http.StatusForbidden:
		e = keyEntry{message: fmt.Sprintf("Portainer refused this API key (%s): send a valid key of yours in %s (Portainer: My account > Access tokens)", me.Status(), keyHeader),
			until: k.now().Add(invalidFor)}
	default:
		return tools.Caller{}, http.StatusBadGateway, fmt.Errorf("Portainer answered %s when asked who this API key belongs to; try again shortly", me.Status())
	}
	k.mu.Lock()
	if len(k.seen) >= maxEntries || len(k.recent) >= maxEntries {
		k.sweep()
	}
	k.seen[id] = e
	if e.valid {
		k.recent[id] = k.now()
	}
	k.mu.Unlock()
	if !e.valid {
		return tools.Caller{}, http.StatusUnauthorized, fmt.Errorf("%s", e.message)
	}
	return e.who, 0, nil
}

// sweep drops expired entries, and everything when that is not enough. Callers hold mu.
func (k *keyChecker) sweep() {
	now := k.now()
	for id, e := range k.seen {
		if now.After(e.until) {
			delete(k.seen, id)
		}
	}
	if len(k.seen) >= maxEntries {
		clear(k.seen)
	}
	for id, at := range k.recent {
		if now.Sub(at) >= recentFor {
			delete(k.recent, id)
		}
	}
	if len(k.recent) >= maxEntries {
		clear(k.recent)
	}
}

// limiter is a token bucket per key: rate a second, bursts of five times that (a client
// connecting sends several requests at once).
type limiter struct {
	rate, burst float64
	mu          sync.Mutex
	buckets     map[string]*bucket
	now         func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64) *limiter {
	return &limiter{rate: rate, burst: math.Max(1, 5*rate), buckets: map[string]*bucket{}, now: time.Now}
}

// allow takes a token from id's bucket, or says how long until one is there.
func (l *limiter) allow(id string) (time.Duration, bool) {
	if l.rate <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[id]
	if !ok {
		if len(l.buckets) >= maxEntries {
			for k, old := range l.buckets { // a full bucket is the same as none
				if old.tokens+now.Sub(old.at).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[id] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}
