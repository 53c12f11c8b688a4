package tools

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"time"
)

// logLine is one line of a container's or service's output.
type logLine struct {
	at     time.Time // zero when the stream carried no timestamp
	stderr bool
	text   string
	source string // the container it came from, when several are merged
}

// Bounds of reading one log stream.
const (
	maxLineLen   = 4000     // longer lines are cut (a minified JSON blob says little)
	scrubSlack   = 4096     // bytes kept past maxLineLen so that a secret across the cut is scrubbed whole
	maxLogStream = 64 << 20 // bytes read of one stream at most; Docker sends the oldest first
	logChunk     = 32 << 10
)

// logReader reads a Docker log stream into lines. Without a TTY Docker multiplexes stdout and
// stderr in frames: an 8-byte header (stream 1 or 2, three zero bytes, the payload length as a
// big-endian uint32) and the payload; with a TTY the stream is the terminal's raw output
// (\r\n line ends). A frame, a header or a line may arrive split over many reads. Which form
// a stream has is seen from its first bytes.
type logReader struct {
	keep    func(*logLine) bool // which lines to keep (stream, grep); nil keeps all
	scrub   func(string) string // removes secrets from a line before it is cut and kept; nil: none
	max     int                 // the newest max kept lines are returned
	lines   []logLine
	total   int  // lines kept before the newest max were taken
	cut     bool // the stream was longer than maxLogStream: its newest part was not read
	pending [3]strings.Builder
	long    [3]bool // the pending line passed maxLineLen
}

// read consumes one stream. stamped says each line starts with Docker's timestamp.
func (lr *logReader) read(r io.Reader, stamped bool, source string) error {
	br := bufio.NewReaderSize(&capReader{r: r, left: maxLogStream, over: func() error { return errStreamLimit }}, logChunk)
	head, err := br.Peek(8)
	if err != nil && len(head) == 0 {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	if isFrameHeader(head) {
		err = lr.readFrames(br, stamped, source)
	} else {
		err = lr.readRaw(br, 1, stamped, source)
	}
	lr.cut = lr.cut || errors.Is(err, errStreamLimit)
	if errors.Is(err, io.EOF) || errors.Is(err, errStreamLimit) {
		err = nil
	}
	for s := range lr.pending {
		lr.flush(s, stamped, source)
	}
	return err
}

// isFrameHeader tells a multiplexed stream from a raw one by its first bytes.
func isFrameHeader(b []byte) bool {
	return len(b) == 8 && b[0] <= 2 && b[1] == 0 && b[2] == 0 && b[3] == 0
}

func (lr *logReader) readFrames(br *bufio.Reader, stamped bool, source string) error {
	var head [8]byte
	buf := make([]byte, logChunk)
	for {
		if _, err := io.ReadFull(br, head[:]); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil // a cut header: nothing more to read
			}
			return err
		}
		stream := int(head[0])
		if stream > 2 {
			stream = 1
		}
		left := int64(binary.BigEndian.Uint32(head[4:]))
		for left > 0 {
			n, err := io.ReadFull(br, buf[:min(left, int64(len(buf)))])
			lr.feed(stream, buf[:n], stamped, source)
			left -= int64(n)
			if err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return nil
				}
				return err
			}
		}
	}
}

func (lr *logReader) readRaw(br *bufio.Reader, stream int, stamped bool, source string) error {
	buf := make([]byte, logChunk)
	for {
		n, err := br.Read(buf)
		lr.feed(stream, buf[:n], stamped, source)
		if err != nil {
			return err
		}
	}
}

// feed adds the bytes of one stream, ending lines at \n.
func (lr *logReader) feed(stream int, p []byte, stamped bool, source string) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if room := maxLineLen + scrubSlack - lr.pending[stream].Len(); room > 0 {
			lr.pending[stream].Write(part[:min(len(part), room)])
			lr.long[stream] = lr.long[stream] || len(part) > room
		} else if len(part) > 0 {
			lr.long[stream] = true
		}
		if i < 0 {
			return
		}
		lr.flush(stream, stamped, source)
		p = p[i+1:]
	}
}

// flush ends the pending line of a stream.
func (lr *logReader) flush(stream int, stamped bool, source string) {
	b := &lr.pending[stream]
	if b.Len() == 0 && !lr.long[stream] {
		return
	}
	long := lr.long[stream]
	l := logLine{stderr: stream == 2, text: strings.TrimSuffix(b.String(), "\r"), source: source}
	b.Reset()
	lr.long[stream] = false
	if stamped {
		if ts, rest, ok := strings.Cut(l.text, " "); ok {
			if at, err := time.Parse(time.RFC3339Nano, ts); err == nil {
				l.at, l.text = at, rest
			}
		}
	}
	// Scrubbed before the cut: a cut through a secret would leave its first part.
	if lr.scrub != nil {
		l.text = lr.scrub(l.text)
	}
	if len(l.text) > maxLineLen {
		l.text, long = cutRunes(l.text, maxLineLen), true
	}
	if long {
		l.text += " [line cut]"
	}
	if lr.keep != nil && !lr.keep(&l) {
		return
	}
	lr.total++
	lr.lines = append(lr.lines, l)
	if lr.max > 0 && len(lr.lines) >= 2*lr.max { // keep memory at twice the lines wanted
		lr.lines = append(lr.lines[:0], lr.lines[len(lr.lines)-lr.max:]...)
	}
}

// newest is the newest max lines kept.
func (lr *logReader) newest() []logLine {
	if lr.max > 0 && len(lr.lines) > lr.max {
		return lr.lines[len(lr.lines)-lr.max:]
	}
	return lr.lines
}

// errStreamLimit ends a stream longer than maxLogStream.
var errStreamLimit = errors.New("log stream limit reached")
