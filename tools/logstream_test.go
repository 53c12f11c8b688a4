package tools

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// frame is one frame of Docker's multiplexed stream.
func frame(stream byte, payload string) []byte {
	head := []byte{stream, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(head[4:], uint32(len(payload)))
	return append(head, payload...)
}

func joinFrames(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// showLines writes lines as "o:text" / "e:text" for comparison.
func showLines(lines []logLine) string {
	var out []string
	for _, l := range lines {
		s := "o"
		if l.stderr {
			s = "e"
		}
		if !l.at.IsZero() {
			s += "@" + l.at.Format("15:04:05")
		}
		out = append(out, s+":"+l.text)
	}
	return strings.Join(out, "|")
}

func TestLogReader(t *testing.T) {
	mux := joinFrames(frame(1, "one\n"), frame(2, "two\nthree\n"), frame(1, "four"), frame(1, " continued\n"), frame(2, "tail without newline"))
	long := strings.Repeat("x", maxLineLen+10)
	cases := []struct {
		name    string
		body    []byte
		stamped bool
		max     int
		keep    func(*logLine) bool
		reader  func(io.Reader) io.Reader
		want    string
	}{
		{name: "frames", body: mux, want: "o:one|e:two|e:three|o:four continued|e:tail without newline"},
		{name: "frames split into single bytes", body: mux, reader: iotest.OneByteReader, want: "o:one|e:two|e:three|o:four continued|e:tail without newline"},
		{name: "frames split at odd places", body: mux, reader: iotest.HalfReader, want: "o:one|e:two|e:three|o:four continued|e:tail without newline"},
		{name: "newest lines kept", body: mux, max: 2, want: "o:four continued|e:tail without newline"},
		{name: "filtered", body: mux, keep: func(l *logLine) bool { return l.stderr }, want: "e:two|e:three|e:tail without newline"},
		{name: "a TTY's raw stream", body: []byte("ready\r\nlistening on :80\r\n"), reader: iotest.OneByteReader, want: "o:ready|o:listening on :80"},
		{name: "timestamps", stamped: true, body: joinFrames(frame(1, "2026-01-02T03:04:05.123456789Z hello world\n"), frame(2, "not a time\n")), want: "o@03:04:05:hello world|e:not a time"},
		{name: "a TTY with timestamps", stamped: true, body: []byte("2026-01-02T03:04:05.000000000Z up\r\n"), want: "o@03:04:05:up"},
		{name: "a long line is cut", body: frame(1, long+"\nnext\n"), want: "o:" + long[:maxLineLen] + " [line cut]|o:next"},
		{name: "a cut frame ends the stream", body: frame(1, "whole\n")[:10], want: "o:wh"},
		{name: "a cut header ends the stream", body: append(frame(1, "a\n"), 1, 0, 0), want: "o:a"},
		{name: "empty", body: nil, want: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lr := &logReader{max: c.max, keep: c.keep}
			var r io.Reader = bytes.NewReader(c.body)
			if c.reader != nil {
				r = c.reader(r)
			}
			if err := lr.read(r, c.stamped, "c1"); err != nil {
				t.Fatal(err)
			}
			if got := showLines(lr.newest()); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestLogReaderBounds(t *testing.T) {
	// Many lines: memory stays at twice the lines wanted, the count covers them all.
	var buf bytes.Buffer
	for i := range 5000 {
		buf.Write(frame(1, fmt.Sprintf("line %d\n", i)))
	}
	lr := &logReader{max: 100}
	if err := lr.read(&buf, false, ""); err != nil {
		t.Fatal(err)
	}
	got := lr.newest()
	if lr.total != 5000 || len(got) != 100 || got[0].text != "line 4900" || got[99].text != "line 4999" || cap(lr.lines) > 400 {
		t.Errorf("total %d, %d lines from %q, capacity %d", lr.total, len(got), got[0].text, cap(lr.lines))
	}
	// A stream longer than the limit is read up to it, and says so.
	huge := io.MultiReader(bytes.NewReader(frame(1, "first\n")), strings.NewReader(strings.Repeat("\x01\x00\x00\x00\x00\x00\x00\x03ab\n", maxLogStream/11+10)))
	lr = &logReader{max: 10}
	if err := lr.read(huge, false, ""); err != nil || !lr.cut || lr.total < maxLogStream/11-1 {
		t.Errorf("err %v cut %v total %d", err, lr.cut, lr.total)
	}
}

func TestStatusHints(t *testing.T) {
	for status, want := range map[string]string{
		"Up 5 minutes (healthy)":                "healthy -",
		"Up 3 seconds (health: starting)":       "starting -",
		"Up 2 hours (unhealthy)":                "unhealthy -",
		"Exited (137) 2 seconds ago":            " 137",
		"Restarting (2) Less than a second ago": " 2",
		"Created":                               " -",
	} {
		h, code := statusHints(status)
		got := h + " -"
		if code != nil {
			got = fmt.Sprintf("%s %d", h, *code)
		}
		if got != want {
			t.Errorf("statusHints(%q) = %q, want %q", status, got, want)
		}
	}
}

func TestUnitCondition(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	code := func(n int) *int { return &n }
	cases := []struct {
		name     string
		u        unit
		swarm    bool
		watching bool
		want     condition
		why      string
	}{
		{name: "running", u: unit{state: "running"}, want: condOK},
		{name: "healthy", u: unit{state: "running", health: "healthy"}, want: condOK},
		{name: "health starting", u: unit{state: "running", health: "starting"}, want: condStarting, why: "health: starting"},
		{name: "unhealthy", u: unit{state: "running", health: "unhealthy", probe: "curl: (7) refused\n"}, want: condBad, why: "unhealthy (healthcheck: curl: (7) refused)"},
		{name: "restarting", u: unit{state: "restarting", exitCode: code(3), restarts: 4}, want: condBad, why: "restarting (crash loop): exited with code 3, restarted 4 times"},
		{name: "just restarted", u: unit{state: "running", restarts: 1, started: at.Add(-2 * time.Second)}, want: condBad, why: "restarted 1 time and up only 2s: crash-looping"},
		{name: "just restarted, while watching", u: unit{state: "running", restarts: 1, started: at.Add(-2 * time.Second)}, watching: true, want: condOK},
		{name: "restarted long ago", u: unit{state: "running", restarts: 1, started: at.Add(-time.Minute)}, want: condOK},
		{name: "slow crash loop", u: unit{state: "running", restarts: 5, created: at.Add(-5 * time.Minute), started: at.Add(-45 * time.Second)}, want: condBad,
			why: "restarted 5 times since it was created 5m0s ago, about every 1m0s, and up 45s: crash-looping"},
		{name: "slow crash loop, while watching", u: unit{state: "running", restarts: 5, created: at.Add(-5 * time.Minute), started: at.Add(-45 * time.Second)}, watching: true, want: condOK},
		{name: "restarted a few times at boot, up since", u: unit{state: "running", restarts: 3, created: at.Add(-3 * time.Hour), started: at.Add(-175 * time.Minute)}, want: condOK},
		{name: "frequent restarts that stopped", u: unit{state: "running", restarts: 5, created: at.Add(-10 * time.Minute), started: at.Add(-5 * time.Minute)}, want: condOK},
		{name: "one-shot finished", u: unit{state: "exited", exitCode: code(0)}, want: condDone, why: "completed"},
		{name: "stopped although always restarted", u: unit{state: "exited", exitCode: code(0), policy: "always"}, want: condBad, why: "exited with code 0"},
		{name: "exited with an error", u: unit{state: "exited", exitCode: code(127)}, want: condBad, why: "exited with code 127"},
		{name: "could not start", u: unit{state: "created", err: "exec: \"/x\": no such file"}, want: condBad, why: "could not start: exec: \"/x\": no such file"},
		{name: "created", u: unit{state: "created"}, want: condStarting},
		{name: "paused", u: unit{state: "paused"}, want: condBad, why: "paused"},
		{name: "task running", u: unit{state: "running"}, swarm: true, want: condOK},
		{name: "task waiting to restart", u: unit{state: "ready", desired: "ready"}, swarm: true, want: condStarting, why: "waiting to be restarted"},
		{name: "task rejected", u: unit{state: "rejected", err: "No such image: x"}, swarm: true, want: condBad, why: "task rejected: No such image: x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sn := &stackState{swarm: c.swarm, at: at, watching: c.watching}
			got, why := sn.condition(&c.u)
			if got != c.want || (c.why != "" && why != c.why) {
				t.Errorf("condition = %d %q, want %d %q", got, why, c.want, c.why)
			}
		})
	}
}

func TestWatchCodeUnknown(t *testing.T) {
	// A failure without a container (an update paused, no container created) may come first:
	// the one whose exit code is awaited is the restarted container.
	w := &watch{codes: map[string]int{"seen": 1}}
	code := 2
	noCode := failure{service: &service{name: "b"}, unit: &unit{id: "c2", name: "s-b-1"}, why: "restarted 1 time while it was checked", restarted: true}
	bad := []failure{{service: &service{name: "a"}, why: "no container was created for it"}, noCode}
	if f := w.codeUnknown(bad); f == nil || f.unit.name != "s-b-1" {
		t.Errorf("codeUnknown = %+v, want the restarted container", f)
	}
	known := []failure{bad[0], {unit: &unit{id: "seen"}, restarted: true}, {unit: &unit{id: "c3", exitCode: &code}, restarted: true}}
	if f := w.codeUnknown(known); f != nil {
		t.Errorf("codeUnknown = %+v, want none: every code is known", f)
	}
}

// TestCapReader: a stream of exactly the limit reads whole and ends as usual; one byte more
// fails with the cap's own error once the limit is read.
func TestCapReader(t *testing.T) {
	over := errors.New("over the cap")
	read := func(s string) ([]byte, error) {
		return io.ReadAll(&capReader{r: strings.NewReader(s), left: 4, over: func() error { return over }})
	}
	if got, err := read("abcd"); err != nil || string(got) != "abcd" {
		t.Errorf("exactly the cap: %q, %v", got, err)
	}
	if got, err := read("abcde"); !errors.Is(err, over) || string(got) != "abcd" {
		t.Errorf("over the cap: %q, %v", got, err)
	}
}
