package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// MaxText is the most text one tool answer carries. Longer answers are cut (lists at a row
// boundary, free text at a line boundary) with a note that says how to narrow the request.
const MaxText = 25000

// Paging defaults of every list tool.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// encodeJSON is v as compact JSON, with '<', '>' and '&' kept readable.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding result: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// rawResult is a result whose structured content is already encoded: it goes on the wire
// as is, and text is what a client that shows only text displays.
func rawResult(structured []byte, text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(text)},
		RawStructuredContent: json.RawMessage(structured),
	}
}

// Result returns v, encoded once, as structured content; the text is the same JSON.
func Result(v any) (*mcp.CallToolResult, error) {
	raw, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxText {
		return nil, fmt.Errorf("result of %d bytes is over the %d-byte limit: the tool must cut it", len(raw), MaxText)
	}
	return rawResult(raw, string(raw)), nil
}

// Done is the result of an operation that answers no body.
func Done(message string, fields map[string]any) (*mcp.CallToolResult, error) {
	out := map[string]any{"ok": true, "message": message}
	for k, v := range fields {
		out[k] = v
	}
	return Result(out)
}

// Table says how a list's rows read as text: a header line of column names, then one line
// of tab-separated cells per row. A nil Table writes each row as a line of compact JSON.
type Table[R any] struct {
	Header []string
	Cells  func(r *R) []string
}

// Paging is what a list tool was asked for: limit and offset, already checked.
type Paging struct {
	Offset, Limit int
}

// PagingArgs reads limit (default DefaultLimit, at most MaxLimit) and offset.
func PagingArgs(a Args) (Paging, error) {
	p := Paging{Limit: DefaultLimit}
	if a.Has("limit") {
		n, err := a.Int("limit")
		if err != nil {
			return p, err
		}
		if n < 1 || n > MaxLimit {
			return p, fmt.Errorf("limit must be between 1 and %d, got %d", MaxLimit, n)
		}
		p.Limit = n
	}
	if a.Has("offset") {
		n, err := a.Int("offset")
		if err != nil {
			return p, err
		}
		if n < 0 {
			return p, fmt.Errorf("offset must be 0 or more, got %d", n)
		}
		p.Offset = n
	}
	return p, nil
}

// Window is the part of n items a page shows: [from, to).
func (p Paging) Window(n int) (from, to int) {
	from = min(p.Offset, n)
	to = min(from+p.Limit, n)
	return from, to
}

// List builds the answer of a list tool from the rows of one page (rows = all[offset:...]),
// the total number of matching items, and the page asked for. Structured content is
// {"total", "offset", "count", key: rows, "next_offset"?, "note"?}; the text is the rows as
// tbl says, then a paging line. When either form would pass MaxText, rows are dropped from
// the end and the note says so. narrow says how to ask for less ("filter by name").
func List[R any](key string, tbl *Table[R], rows []R, total int, p Paging, narrow string) (*mcp.CallToolResult, error) {
	shown := len(rows)
	for {
		res, fits, err := listAnswer(key, tbl, rows[:shown], total, p, shown < len(rows), narrow)
		if err != nil {
			return nil, err
		}
		if fits || shown == 0 {
			return res, nil
		}
		// Cut proportionally, then by one row, so a long page converges quickly.
		over := float64(ResultLen(res)) / float64(MaxText)
		next := int(float64(shown) / over * 0.98)
		if next >= shown {
			next = shown - 1
		}
		shown = max(next, 0)
	}
}

// ResultText is the text of a tool result, its parts joined by newlines.
func ResultText(r *mcp.CallToolResult) string {
	var parts []string
	for _, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// ResultLen is the larger of a result's text and structured content.
func ResultLen(r *mcp.CallToolResult) int {
	return max(len(ResultText(r)), len(r.RawStructuredContent))
}

func listAnswer[R any](key string, tbl *Table[R], rows []R, total int, p Paging, cut bool, narrow string) (*mcp.CallToolResult, bool, error) {
	end := p.Offset + len(rows)
	tooLarge := cut && len(rows) == 0 // the page's first row alone does not fit
	if tooLarge {
		end++ // go on after it
	}
	var next int
	more := end < total
	if more {
		next = end
	}
	var note string
	switch {
	case tooLarge && more:
		note = fmt.Sprintf("Row %d alone is over %d characters: pass offset=%d to skip it, or %s.", p.Offset+1, MaxText, next, narrow)
	case tooLarge:
		note = fmt.Sprintf("Row %d alone is over %d characters: %s.", p.Offset+1, MaxText, narrow)
	case cut:
		note = fmt.Sprintf("Answer cut at %d rows to stay under %d characters: pass offset=%d for the next rows, a smaller limit, or %s.", len(rows), MaxText, next, narrow)
	case more:
		note = fmt.Sprintf("Showing %d-%d of %d: pass offset=%d for more, or %s.", p.Offset+1, end, total, next, narrow)
	case len(rows) == 0 && total > 0:
		note = fmt.Sprintf("offset %d is past the end: there are %d.", p.Offset, total)
	}

	var sb bytes.Buffer
	sb.WriteString(`{"total":`)
	sb.WriteString(strconv.Itoa(total))
	sb.WriteString(`,"offset":`)
	sb.WriteString(strconv.Itoa(p.Offset))
	sb.WriteString(`,"count":`)
	sb.WriteString(strconv.Itoa(len(rows)))
	sb.WriteString(`,"`)
	sb.WriteString(key)
	sb.WriteString(`":`)
	if len(rows) == 0 {
		sb.WriteString("[]")
	} else {
		raw, err := encodeJSON(rows)
		if err != nil {
			return nil, false, err
		}
		sb.Write(raw)
	}
	if more {
		sb.WriteString(`,"next_offset":`)
		sb.WriteString(strconv.Itoa(next))
	}
	if note != "" {
		sb.WriteString(`,"note":`)
		raw, _ := encodeJSON(note)
		sb.Write(raw)
	}
	sb.WriteByte('}')

	var tb strings.Builder
	tb.Grow(len(rows) * 48)
	if tbl != nil {
		tb.WriteString(strings.Join(tbl.Header, "\t"))
		tb.WriteByte('\n')
	}
	for i := range rows {
		if tbl == nil {
			raw, err := encodeJSON(rows[i])
			if err != nil {
				return nil, false, err
			}
			tb.Write(raw)
			tb.WriteByte('\n')
			continue
		}
		for j, c := range tbl.Cells(&rows[i]) {
			if j > 0 {
				tb.WriteByte('\t')
			}
			tb.WriteString(cell(c))
		}
		tb.WriteByte('\n')
	}
	fmt.Fprintf(&tb, "%d of %d %s", len(rows), total, key)
	if p.Offset > 0 {
		fmt.Fprintf(&tb, " from offset %d", p.Offset)
	}
	if note != "" {
		tb.WriteString(". ")
		tb.WriteString(note)
	}
	text := tb.String()
	res := rawResult(sb.Bytes(), text)
	return res, len(text) <= MaxText && sb.Len() <= MaxText, nil
}

// cell keeps a text cell on one line and marks an empty one.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
	}
	return s
}

// CutText cuts free text (a log, a file) to at most max bytes at a line boundary, keeping
// the end when tail is true (logs: the newest lines matter) or the start otherwise. It
// reports whether it cut.
func CutText(s string, max int, tail bool) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	if tail {
		start := len(s) - max
		for start < len(s) && !utf8.RuneStart(s[start]) { // never half a character
			start++
		}
		s = s[start:]
		if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 {
			s = s[i+1:]
		}
		return s, true
	}
	s = cutRunes(s, max)
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		s = s[:i+1]
	}
	return s, true
}

// cutRunes is the start of s of at most n bytes that does not end in half a character.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// CutEncoded is the longest start of s, cut at a line boundary where it can be, whose JSON
// string encoding (quotes and escapes included, as encodeJSON writes it) takes at most max
// bytes, and whether it was cut. A file of quotes or control characters grows up to six
// times when encoded, so a cut on raw bytes alone can still overflow an answer.
func CutEncoded(s string, max int) (string, bool) {
	n := 2 // the quotes
	for i, r := range s {
		w := 1
		switch {
		case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
			w = 2
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			w = 6
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				w = 6 // invalid UTF-8 is written as \ufffd
			} else {
				w = 3
			}
		default:
			w = utf8.RuneLen(r)
		}
		if n+w > max {
			cut := s[:i]
			if j := strings.LastIndexByte(cut, '\n'); j > 0 {
				cut = cut[:j+1]
			}
			return cut, true
		}
		n += w
	}
	return s, false
}

// yesNo is a boolean cell.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// orNone is s, or "(none)" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
