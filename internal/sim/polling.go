package sim

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Polling. Up to 2.43 each Git stack with an AutoUpdate.Interval has its own job (PB). From
// 2.44 polling lives on the Source: one job per Source with an interval redeploys every stack
// on it (PC §1 "Polling moved off the stack", §7 "Interval"). Whether 2.44+ copies an
// AutoUpdate.Interval sent on create or POST /stacks/{id}/git onto the Source is UNVERIFIED
// (PC §1, §3 caveat); the simulator takes the reading that is safe for clients: the interval
// is stored on the stack but polls nothing, only Source.interval does. A client that sets the
// Source's interval works on both readings.

// PollNow runs every running polling job once: a stack is redeployed when its reference has a
// new commit (or, from 2.44, always with ForceUpdate: "Fixed the forced polling usage", PC §7
// history; 2.23 stores ForceUpdate and ignores it, PB).
func (s *Sim) PollNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.SourcePolling {
		for _, src := range s.sortedSources() {
			if s.sourceJobRuns(src) {
				s.pollSource(src)
			}
		}
		return
	}
	for _, r := range s.sortedStacks() {
		if r.jobRunning {
			_ = s.autoRedeploy(r, s.forcedByPolling(r))
		}
	}
}

// forcedByPolling tells whether a poll redeploys the stack without a new commit.
func (s *Sim) forcedByPolling(r *stackRec) bool {
	return s.b.ForceUpdatePolls && r.AutoUpdate != nil && r.AutoUpdate.ForceUpdate
}

// sourceJobRuns tells whether a Source has a poll job: an interval and a stack using it (PC §7
// "Interval": jobs start and stop with changes and stack deletes).
func (s *Sim) sourceJobRuns(src *source) bool {
	every, err := time.ParseDuration(src.Interval)
	return err == nil && every > 0 && len(s.sourceStacks(src.ID)) > 0
}

// pollSource redeploys every stack on the Source whose reference has a new commit. Stopped
// stacks are left alone, as their own jobs were before.
func (s *Sim) pollSource(src *source) {
	src.LastSync = s.now()
	for _, r := range s.sourceStacks(src.ID) {
		if r.Status == papi.StackStatusInactive {
			continue
		}
		_ = s.autoRedeploy(r, s.forcedByPolling(r))
	}
	s.testSource(src)
}

// StartPolling runs the polling jobs on real timers until ctx ends. speed scales time: with
// speed 60 a "5m" interval polls every 5 seconds.
func (s *Sim) StartPolling(ctx context.Context, speed float64) {
	if speed <= 0 {
		speed = 1
	}
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				s.pollDue(now, speed)
			}
		}
	}()
}

// due tells whether a job polling every interval is due at now, and schedules its next poll.
func due(next *time.Time, interval string, now time.Time, speed float64) bool {
	every, err := time.ParseDuration(interval)
	if err != nil || every <= 0 {
		return false
	}
	step := time.Duration(float64(every) / speed)
	if next.IsZero() {
		*next = now.Add(step)
		return false
	}
	if now.Before(*next) {
		return false
	}
	*next = now.Add(step)
	return true
}

func (s *Sim) pollDue(now time.Time, speed float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.SourcePolling {
		for _, src := range s.sortedSources() {
			if s.sourceJobRuns(src) && due(&src.jobNext, src.Interval, now, speed) {
				s.pollSource(src)
			}
		}
		return
	}
	for _, r := range s.sortedStacks() {
		if r.jobRunning && r.AutoUpdate != nil && due(&r.jobNext, r.AutoUpdate.Interval, now, speed) {
			_ = s.autoRedeploy(r, s.forcedByPolling(r))
		}
	}
}

// startJob (re)starts the polling job of a stack when its GitOps settings have an interval.
// From 2.44 stacks have no job of their own (see above).
func (s *Sim) startJob(r *stackRec) {
	r.jobRunning = false
	if s.b.SourcePolling || r.AutoUpdate == nil || r.AutoUpdate.Interval == "" {
		return
	}
	r.AutoUpdate.JobID = uuid.NewString()
	r.jobRunning = true
	r.jobNext = time.Time{}
}
